import { links } from "../db/schema.ts";
import { CLOCK_SKEW_SECONDS } from "../policy/decideAccess.ts";

type LinkRow = typeof links.$inferSelect;

export type LinkStatus = "available" | "pending" | "suspended" | "expired" | "exhausted" | "revoked";

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

/**
 * The same arithmetic as the download path (decideAccess), applied to the D1 mirror
 * of a link, so a listing says what a download would do.
 */
export function linkFigures(
  row: LinkRow,
  orderStatus: "pending" | "complete" | "canceled",
  nowMs = Date.now(),
): LinkFigures {
  const base = row.limitOverride ?? row.downloadLimit;
  const limit = base === null ? null : base + row.extraDownloads;
  const expiresAt = row.expiresAtOverride ?? row.expiresAt;
  const isExpired = expiresAt !== null && nowMs / 1000 >= expiresAt + CLOCK_SKEW_SECONDS;
  const isLimitReached = limit !== null && row.downloadCount >= limit;
  const status: LinkStatus =
    row.revoked || orderStatus === "canceled"
      ? "revoked"
      : orderStatus === "pending"
        ? "pending"
        : // Its order is held for review, or the link is blocked for suspected sharing.
          row.held || row.suspended
          ? "suspended"
          : isExpired
          ? "expired"
          : isLimitReached
            ? "exhausted"
            : "available";
  return {
    limit,
    expiresAt,
    remaining: limit === null ? null : Math.max(0, limit - row.downloadCount),
    isExpired,
    isLimitReached,
    status,
  };
}
