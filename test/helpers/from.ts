/**
 * Requests from a given place: the client address (`CF-Connecting-IP`) and the country
 * Cloudflare's edge would put in `request.cf.country` (vitest-pool-workers passes `cf`
 * through to the Worker). For country rules and sharing detection.
 */
import { exports } from "cloudflare:workers";

export interface Place {
  ip?: string;
  /** `request.cf.country`; omitted = Cloudflare could not tell. */
  country?: string;
  userAgent?: string;
}

export function fetchFrom(url: string, place: Place, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", place.ip ?? "203.0.113.10");
  headers.set("User-Agent", place.userAgent ?? "dlgate-tests/1");
  const cf = place.country === undefined ? undefined : { country: place.country };
  return exports.default.fetch(new Request(url, { ...init, headers, ...(cf ? { cf } : {}) }));
}

/** `/downloads/<token>` on the tenant's host, from `place`. */
export function downloadFrom(host: string, token: string, place: Place, init: RequestInit = {}): Promise<Response> {
  return fetchFrom(`https://${host}/downloads/${token}`, place, init);
}

/** A browser navigation's Accept header: the gateway answers errors with a page. */
export const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
