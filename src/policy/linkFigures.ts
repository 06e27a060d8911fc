import type { links } from "../db/schema.ts";
import type { Claims } from "../token/claims.ts";

/** docs/CONTRACT.md §3: clocks of origin and edge may disagree by this much. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * What a download of the link would meet now. `removed`: the store deleted the link's file
 * (its links answer 404 until a file of that id is uploaded again); only a listing, which
 * reads the file's row, can tell. `not_yet_valid`: the token's `nbf` is still ahead; only
 * `/info`, which reads the token, can tell (the issuer API's links have no `nbf`).
 */
export const LINK_STATUSES = [
  "available",
  "pending",
  "suspended",
  "expired",
  "exhausted",
  "revoked",
  "removed",
  "not_yet_valid",
] as const;

export type LinkStatus = (typeof LINK_STATUSES)[number];

/** The store's overrides and the count, as the link's Durable Object (or its D1 mirror) holds them. */
export interface LinkOverrides {
  /** Replaces the grant's limit when set. */
  limitOverride: number | null;
  /** Added to the limit ("give this customer 2 more downloads"). */
  extraDownloads: number;
  /** Replaces the grant's expiry when set (Unix seconds). */
  expiresAtOverride: number | null;
}

/**
 * What a link's figures are computed from: the grant (the token's `lim`/`exp`, or the
 * D1 row they were signed from), the store's overrides, the count and the two flags.
 */
export interface FigureInputs extends LinkOverrides {
  /** The grant's limit; null = unlimited. */
  grantedLimit: number | null;
  /** The grant's expiry, Unix seconds; null = none. */
  grantedExpiry: number | null;
  count: number;
  revoked: boolean;
  /** The order is not paid yet. */
  pending: boolean;
  /** Its order is held for review, or the link is blocked (sharing detection, or the store). */
  suspended: boolean;
  /** The store deleted the file (the listing's join found no file row). */
  fileRemoved?: boolean;
  /** The token's `nbf` is still ahead: checked first, as decideAccess does. */
  notYetValid?: boolean;
}

export interface LinkFigures {
  /** Limit in force (override or grant, plus extra downloads); null = unlimited. */
  limit: number | null;
  /** Expiry in force, Unix seconds; null = none. */
  expiresAt: number | null;
  remaining: number | null;
  isExpired: boolean;
  isLimitReached: boolean;
  status: LinkStatus;
}

/** The limit in force: the store's override (or the grant) plus any extra downloads; null = unlimited. */
export function limitInForce(
  grantedLimit: number | null,
  state: Pick<LinkOverrides, "limitOverride" | "extraDownloads">,
): number | null {
  const base = state.limitOverride ?? grantedLimit;
  return base === null ? null : base + state.extraDownloads;
}

/** The expiry in force, Unix seconds, or null for none. The store's override wins. */
export function expiryInForce(grantedExpiry: number | null, state: Pick<LinkOverrides, "expiresAtOverride">) {
  return state.expiresAtOverride ?? grantedExpiry;
}

/** Past the expiry, allowing for the clock skew; never for no expiry. */
export function isPastExpiry(expiresAt: number | null, nowMs: number): boolean {
  return expiresAt !== null && nowMs / 1000 >= expiresAt + CLOCK_SKEW_SECONDS;
}

/**
 * The one formula for a link's figures. The status follows the order of the access
 * decision's checks (decideAccess: revoked, suspended, pending, expired, limit), so a listing or
 * `/info` says what a download would do.
 */
export function figuresOf(input: FigureInputs, nowMs: number): LinkFigures {
  const limit = limitInForce(input.grantedLimit, input);
  const expiresAt = expiryInForce(input.grantedExpiry, input);
  const isExpired = isPastExpiry(expiresAt, nowMs);
  const isLimitReached = limit !== null && input.count >= limit;
  const status: LinkStatus = input.notYetValid
    ? "not_yet_valid"
    : input.revoked
      ? "revoked"
      : input.suspended
        ? "suspended"
        : input.pending
          ? "pending"
          : isExpired
            ? "expired"
            : isLimitReached
              ? "exhausted"
              : input.fileRemoved
                ? "removed"
                : "available";
  return {
    limit,
    expiresAt,
    remaining: limit === null ? null : Math.max(0, limit - input.count),
    isExpired,
    isLimitReached,
    status,
  };
}

/**
 * The figures of a link from its D1 row (the grant plus the mirrored state), its order's
 * status and whether its file still exists.
 */
export function linkFigures(
  row: typeof links.$inferSelect,
  orderStatus: "pending" | "complete" | "canceled",
  nowMs = Date.now(),
  fileRemoved = false,
): LinkFigures {
  return figuresOf(
    {
      grantedLimit: row.downloadLimit,
      grantedExpiry: row.expiresAt,
      limitOverride: row.limitOverride,
      extraDownloads: row.extraDownloads,
      expiresAtOverride: row.expiresAtOverride,
      count: row.downloadCount,
      revoked: row.revoked || orderStatus === "canceled",
      pending: orderStatus === "pending",
      suspended: row.held || row.suspended,
      fileRemoved,
    },
    nowMs,
  );
}

/** The figures of a link from a token's claims and its Durable Object's state. */
export function claimFigures(
  claims: Pick<Claims, "lim" | "exp" | "nbf">,
  state: LinkOverrides & { count: number; revoked: boolean; pending: boolean; held: boolean; suspended: boolean },
  nowMs = Date.now(),
): LinkFigures {
  return figuresOf(
    {
      ...state,
      suspended: state.held || state.suspended,
      grantedLimit: claims.lim ?? null,
      grantedExpiry: claims.exp ?? null,
      notYetValid: claims.nbf !== undefined && nowMs / 1000 < claims.nbf - CLOCK_SKEW_SECONDS,
    },
    nowMs,
  );
}
