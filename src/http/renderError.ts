import type { HttpError } from "./HttpError.ts";
import { prefersHtml } from "./prefersHtml.ts";

/** Headers every gateway answer carries, errors included. */
export const SECURITY_HEADERS: Record<string, string> = {
  "Cache-Control": "private, no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const HTML_TITLES: Partial<Record<HttpError["code"], string>> = {
  expired: "This download link has expired",
  revoked: "This download link is no longer valid",
  limit_reached: "Download limit reached",
  not_found: "File not found",
  invalid_token: "This download link is not valid",
  auth_required: "Please sign in to download",
  rate_limited: "Too many requests",
  unavailable: "Temporarily unavailable",
};

/**
 * docs/CONTRACT.md §7: `{"error", "message"}` JSON, or a small human page for clients that
 * prefer text/html (a browser following a link from an e-mail).
 */
export function renderError(error: HttpError, request: Request | undefined, headOnly = false): Response {
  const headers = new Headers({ ...SECURITY_HEADERS, ...error.headers });
  let body: string;
  if (request && prefersHtml(request.headers.get("Accept"))) {
    headers.set("Content-Type", "text/html; charset=utf-8");
    body = errorPage(HTML_TITLES[error.code] ?? "The download could not be served", error.message, error.status);
  } else {
    headers.set("Content-Type", "application/json; charset=utf-8");
    const payload: Record<string, unknown> = { error: error.code, message: error.message };
    if (error.details !== undefined) payload.details = error.details;
    body = JSON.stringify(payload);
  }
  return new Response(headOnly ? null : body, { status: error.status, headers });
}

function errorPage(title: string, message: string, status: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}p.code{color:#777;font-size:.85rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p>If you bought this file, ask the store for a new download link.</p>
<p class="code">Error ${status}</p></body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
