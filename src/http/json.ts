import { SECURITY_HEADERS } from "./renderError.ts";

/** A JSON answer with the gateway's standard headers. */
export function json(body: unknown, status = 200, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "Content-Type": "application/json; charset=utf-8", ...extraHeaders },
  });
}
