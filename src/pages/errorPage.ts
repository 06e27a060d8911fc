import type { ErrorCode, HttpError } from "../http/HttpError.ts";
import { factsOf } from "./errorFacts.ts";
import { html, safeHref, type SafeHtml } from "./html.ts";
import { messages, type Lang, type Messages } from "./i18n.ts";
import { renderPage } from "./layout.ts";
import type { PageStore } from "./store.ts";

type NextStep = "signIn" | "support" | "newLink" | "pending" | "retry" | "later" | null;

/** What a customer can do about each refusal (docs/CONTRACT.md §7 codes). */
const NEXT_STEP: Record<ErrorCode, NextStep> = {
  auth_required: "signIn",
  limit_reached: "support",
  revoked: "support",
  device_limit_reached: "support",
  suspended: "support",
  forbidden: "support",
  ip_not_allowed: "support",
  country_not_allowed: "support",
  not_found: "support",
  expired: "newLink",
  invalid_token: "newLink",
  not_yet_valid: "later",
  pending: "pending",
  rate_limited: "retry",
  unavailable: "retry",
  origin_error: "retry",
  origin_timeout: "retry",
  bad_request: null,
  method_not_allowed: null,
  conflict: null,
  precondition_failed: null,
  range_not_satisfiable: null,
  payload_too_large: null,
};

function button(href: string | null, label: string): SafeHtml | null {
  return href ? html`<p class="actions"><a class="button" href="${href}">${label}</a></p>` : null;
}

/** "Contact the store's support", with its button when the store has a `support_url` (also the order page's). */
export function supportStep(t: Messages, store: PageStore | null): SafeHtml {
  return html`<p>${t.next.support}</p>
    ${button(safeHref(store?.supportUrl), t.next.supportButton)}`;
}

function nextStep(step: NextStep, t: Messages, store: PageStore | null): SafeHtml | null {
  switch (step) {
    case "signIn":
      return html`<p>${t.next.signIn}</p>
        ${button(safeHref(store?.signInUrl), t.next.signInButton)}`;
    case "support":
      return supportStep(t, store);
    case "newLink":
      return html`<p>${t.next.newLink}</p>
        ${button(safeHref(store?.supportUrl), t.next.supportButton)}`;
    case null:
      return null;
    default:
      return html`<p>${t.next[step]}</p>`;
  }
}

/**
 * The customer's page for an error: what happened, in their language, and what to do
 * next (sign in, contact support, ask for a new link, wait), with the store's links.
 */
export function errorPage(
  error: HttpError,
  options: { lang: Lang; store: PageStore | null; headOnly?: boolean },
): Response {
  const t = messages(options.lang);
  const { title, text } = t.errors[error.code];
  const { used, suspension } = factsOf(error);
  const explanation = used ? t.used(used.count, used.limit) : suspension ? t.suspension[suspension] : text;
  const body = html`<p>${explanation}</p>
    ${nextStep(NEXT_STEP[error.code], t, options.store)}`;
  return renderPage({
    lang: options.lang,
    store: options.store,
    title,
    body,
    status: error.status,
    headers: error.headers,
    footnote: t.errorReference(error.status, error.code),
    headOnly: options.headOnly,
  });
}
