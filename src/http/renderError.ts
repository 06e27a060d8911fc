import { errorPage } from "../pages/errorPage.ts";
import { pickLanguage } from "../pages/i18n.ts";
import type { PageStore } from "../pages/store.ts";
import { bodilessAnswer } from "./bodiless.ts";
import type { HttpError } from "./HttpError.ts";
import { prefersHtml } from "./prefersHtml.ts";
import { SECURITY_HEADERS } from "./securityHeaders.ts";

export { SECURITY_HEADERS } from "./securityHeaders.ts";
export { escapeHtml } from "../pages/html.ts";

export interface ErrorContext {
  /** The store of the request's tenant, for the page's name and links. */
  store?: PageStore | null;
  /** Force the page (a route that only serves HTML) or JSON; default: by `Accept`. */
  html?: boolean;
}

/**
 * The issuer and operator API is for programs: its errors stay JSON even in a browser,
 * so an admin 401 never reads as a customer's "sign in to download".
 */
function isOperatorPath(request: Request): boolean {
  return new URL(request.url).pathname.startsWith("/admin/");
}

/** True when the error for this request is answered with a customer page, not JSON. */
export function wantsErrorPage(request: Request | undefined, context: ErrorContext = {}): boolean {
  if (!request) return false;
  if (isOperatorPath(request)) return false;
  return context.html ?? prefersHtml(request.headers.get("Accept"));
}

/**
 * docs/CONTRACT.md §7: `{"error", "message"}` JSON, or a customer page (pages/errorPage.ts) for
 * clients that prefer text/html (a browser following a link from an e-mail), in the
 * language of their `Accept-Language`.
 */
export function renderError(
  error: HttpError,
  request: Request | undefined,
  headOnly = false,
  context: ErrorContext = {},
): Response {
  if (request && wantsErrorPage(request, context)) {
    const lang = pickLanguage(request.headers.get("Accept-Language"));
    return errorPage(error, { lang, store: context.store ?? null, headOnly });
  }
  const headers = new Headers({ ...SECURITY_HEADERS, ...error.headers });
  headers.set("Content-Type", "application/json; charset=utf-8");
  const payload: Record<string, unknown> = { error: error.code, message: error.message };
  if (error.details !== undefined) payload.details = error.details;
  const body = JSON.stringify(payload);
  if (headOnly) return bodilessAnswer(body, { status: error.status, headers });
  return new Response(body, { status: error.status, headers });
}
