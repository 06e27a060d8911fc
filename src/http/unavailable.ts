import { HttpError } from "./HttpError.ts";

/**
 * `503 unavailable` (docs/CONTRACT.md §7): a part the gateway depends on is down or not
 * set up, never the client's fault. `Retry-After` says when trying again is worth it: a
 * few seconds for an outage, minutes for a store that has to fix its configuration.
 */
export function unavailable(message: string, retryAfterSeconds: number): HttpError {
  return new HttpError("unavailable", message, { "Retry-After": String(retryAfterSeconds) });
}
