import { and, eq, lt } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { LinkStateMirror, MirroredLinkState } from "../links/linkTypes.ts";
import { links } from "./schema.ts";

export type { LinkStateMirror, MirroredLinkState };

/** The `links` columns that mirror a Durable Object's state (it is the source of truth for them). */
export function linkColumnsOf(state: MirroredLinkState) {
  return {
    downloadCount: state.count,
    limitOverride: state.limitOverride,
    extraDownloads: state.extraDownloads,
    expiresAtOverride: state.expiresAtOverride,
    revoked: state.revoked,
    lastDownloadAt: state.lastCountedAt,
  };
}

/**
 * Copies a link's Durable Object state to its D1 row for listings. Guarded by the
 * state's version, so a delayed older write never overwrites a newer one. Links the
 * issuer API never created have no row, and the update is a no-op for them.
 */
export function mirrorLinkState(db: DrizzleD1Database, mirror: LinkStateMirror) {
  const { state } = mirror;
  return db
    .update(links)
    .set({ ...linkColumnsOf(state), countVersion: state.version })
    .where(
      and(eq(links.tenantId, mirror.tenantId), eq(links.id, mirror.linkId), lt(links.countVersion, state.version)),
    );
}
