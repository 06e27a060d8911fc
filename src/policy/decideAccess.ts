import type { Claims } from "../token/claims.ts";
import { addressAllowed } from "./clientAddress.ts";
import { countryAllowed } from "./countryAllowed.ts";
import { CLOCK_SKEW_SECONDS, expiryInForce, isPastExpiry, limitInForce } from "./linkFigures.ts";

export { CLOCK_SKEW_SECONDS };

/**
 * What the link's Durable Object knows for one request: the count, the store's overrides,
 * and what the requesting device has already taken.
 */
export interface LinkState {
  count: number;
  /**
   * Unix ms when the requesting device's newest counted download of this link (not
   * refunded) began, or null. Per device, not per link: rule 3 lets a device resume its
   * own download, never someone else's.
   */
  deviceLastCountedAt: number | null;
  revoked: boolean;
  /** The order is not paid yet. */
  pending: boolean;
  /** The order is held for review (POST /admin/v1/orders/:n/hold). */
  held: boolean;
  /** The link is blocked: by sharing detection (links/sharingWatch.ts) or by the store. */
  suspended: boolean;
  /** Replaces the `lim` claim when set. */
  limitOverride: number | null;
  /** Added to the limit ("give this customer 2 more downloads"). */
  extraDownloads: number;
  /** Replaces the `exp` claim when set (Unix seconds). */
  expiresAtOverride: number | null;
  /** Devices that have had a counted download. */
  devices: ReadonlySet<string>;
}

export interface AccessRequest {
  claims: Claims;
  clientIp: string | null;
  /** `request.cf.country`; absent or null when Cloudflare could not tell (countryAllowed.ts). */
  country?: string | null;
  device: string;
  /** True when the answer would carry the file's bytes or promise them (GET/HEAD 200/206). */
  delivers: boolean;
  /** True when those bytes are actually sent: a GET that is not a prefetch. */
  sendsBody: boolean;
  /** First byte of a 206, or null for a full 200. */
  rangeStart: number | null;
  /** Unix ms. */
  now: number;
  resumeWindowMs: number;
}

export type Refusal =
  | "not_yet_valid"
  | "expired"
  | "revoked"
  | "pending"
  | "ip_not_allowed"
  | "limit_reached"
  | "device_limit_reached"
  | "country_not_allowed"
  /** The order is held for review, or the link is blocked (sharing detection, or the store). */
  | "suspended"
  /** Set by the link object, never by this function: it could not learn its order's status. */
  | "unavailable";

export type AccessDecision = { ok: true; counted: boolean; resume: boolean } | { ok: false; reason: Refusal };

/** The limit in force for a token (linkFigures.ts); null = unlimited. */
export function effectiveLimit(
  claims: Claims,
  state: Pick<LinkState, "limitOverride" | "extraDownloads">,
): number | null {
  return limitInForce(claims.lim ?? null, state);
}

/** The expiry in force for a token, Unix seconds, or null for none (linkFigures.ts). */
export function effectiveExpiry(claims: Claims, state: Pick<LinkState, "expiresAtOverride">): number | null {
  return expiryInForce(claims.exp ?? null, state);
}

export function isExpired(claims: Claims, state: Pick<LinkState, "expiresAtOverride">, nowMs: number): boolean {
  return isPastExpiry(effectiveExpiry(claims, state), nowMs);
}

/**
 * One decision for one request on one link, docs/CONTRACT.md §6. Pure: the Durable Object
 * calls it with its state and then applies the outcome, so the rules are testable
 * without storage and the check-then-count happens in one synchronous step.
 */
export function decideAccess(req: AccessRequest, state: LinkState): AccessDecision {
  const { claims, now } = req;
  if (claims.nbf !== undefined && now / 1000 < claims.nbf - CLOCK_SKEW_SECONDS)
    return { ok: false, reason: "not_yet_valid" };
  if (state.revoked) return { ok: false, reason: "revoked" };
  // A hold (or block) is the store's word on the order or link and wins over its payment
  // status: a held pending order answers `suspended` (docs/CONTRACT.md §9).
  if (state.held || state.suspended) return { ok: false, reason: "suspended" };
  if (state.pending) return { ok: false, reason: "pending" };
  if (isExpired(claims, state, now)) return { ok: false, reason: "expired" };
  if (claims.ips !== undefined && !addressAllowed(req.clientIp, claims.ips))
    return { ok: false, reason: "ip_not_allowed" };
  if (!countryAllowed(req.country, claims)) return { ok: false, reason: "country_not_allowed" };

  // 304, 412 and 416 hand out no bytes: only the checks above apply to them.
  if (!req.delivers) return { ok: true, counted: false, resume: false };

  const newDevice = !state.devices.has(req.device);
  const deviceRefused = claims.dev !== undefined && newDevice && state.devices.size >= claims.dev;

  // Rule 3: a range past byte 0 continues a counted download that THIS device began
  // inside the window, and is free even at the limit. Anything else needs a download
  // left: a range from another device (a shared URL) is a new download.
  const resume =
    req.rangeStart !== null &&
    req.rangeStart > 0 &&
    state.deviceLastCountedAt !== null &&
    now - state.deviceLastCountedAt < req.resumeWindowMs;
  if (!resume) {
    const limit = effectiveLimit(claims, state);
    if (limit !== null && state.count >= limit) return { ok: false, reason: "limit_reached" };
  }
  // Rule 6: a device beyond the limit gets no bytes at all, resumed or not. (A resume
  // implies a counted download by this device, so it is known; the check stays for
  // a device the store's reset or a refund has since released.)
  if (deviceRefused) return { ok: false, reason: "device_limit_reached" };
  return { ok: true, counted: req.sendsBody && !resume, resume };
}
