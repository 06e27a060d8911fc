import { MAX_COUNT } from "../token/claims.ts";
import type { LinkSnapshot } from "./linkTypes.ts";

/**
 * A store's change to one link (`PATCH /admin/v1/links/:id`), handed to the link's Durable
 * Object whole (DownloadLink.change): checked against the object's own state and applied
 * in one transaction, so two concurrent changes cannot both pass a check that only one of
 * them fits, and a change is never half applied. Absent fields are left as they are.
 */
export interface LinkChange {
  /** Replaces the grant's limit; null = back to the grant. */
  limitOverride?: number | null;
  /** Added to the extra downloads. */
  addDownloads?: number;
  /** Replaces the grant's expiry (Unix seconds); null = back to the grant. */
  expiresAtOverride?: number | null;
  revoked?: boolean;
  /** false also clears a sharing flag and what sharing detection saw. */
  suspended?: boolean;
}

/** The request fields that set the limit in force, as a refusal names them. */
export type LimitField = "download_limit" | "add_downloads";

/** Why a change was not applied: the fields to name in the 400 and what was wrong. */
export interface LimitBreach {
  fields: LimitField[];
  message: string;
}

export type ChangeResult = { ok: true; state: LinkSnapshot } | { ok: false; breach: LimitBreach };

/**
 * The limit in force is the override (else the grant) plus the extra downloads, and like the
 * token's `lim` it stays at most 2^31 − 1 (MAX_COUNT). A change that would take it past is
 * refused, naming the fields given, rather than clamped: the store learns that its number was
 * not applied. Extra downloads exist only on a limit: adding them to a link that has none
 * after the change (no override, an unlimited grant) is refused, since they would show
 * nowhere and only surface once a limit is set. Revoking, suspending or extending a link
 * (even one over the bound from before it) is never refused for it. Null when it fits.
 * `state` is as the change starts from it: extra downloads only while the link has a limit.
 */
export function limitBreach(
  change: LinkChange,
  state: Pick<LinkSnapshot, "limitOverride" | "extraDownloads">,
  grantLimit: number | null,
): LimitBreach | null {
  const fields: LimitField[] = [];
  if (change.limitOverride !== undefined) fields.push("download_limit");
  if (change.addDownloads !== undefined) fields.push("add_downloads");
  if (fields.length === 0) return null;
  const base = limitBase(change, state, grantLimit);
  if (base === null) {
    return change.addDownloads === undefined
      ? null
      : { fields: ["add_downloads"], message: "the link has no download limit; set download_limit instead" };
  }
  const extra = state.extraDownloads + (change.addDownloads ?? 0);
  const limit = base + extra;
  if (limit <= MAX_COUNT) return null;
  return {
    fields,
    message: `the limit in force (${base} + ${extra} extra downloads = ${limit}) may be at most ${MAX_COUNT}`,
  };
}

/** The limit the extra downloads add to once the change is applied: override, else grant; null = none. */
export function limitBase(
  change: LinkChange,
  state: Pick<LinkSnapshot, "limitOverride">,
  grantLimit: number | null,
): number | null {
  // `limitOverride: null` drops the override: the grant's limit is in force again.
  const override = change.limitOverride !== undefined ? change.limitOverride : state.limitOverride;
  return override ?? grantLimit;
}
