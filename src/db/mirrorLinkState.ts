import { getTableColumns } from "drizzle-orm";
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
    suspended: state.suspended,
    lastDownloadAt: state.lastCountedAt,
  };
}

/** `links` columns by property name: the names the raw statement below writes. */
const LINK_COLUMNS = getTableColumns(links);

/**
 * Copies a link's Durable Object state to its D1 row for listings. Guarded by the
 * state's version, so a delayed older write never overwrites a newer one. Links the
 * issuer API never created have no row, and the update is a no-op for them.
 *
 * A prepared statement, not a drizzle query: it goes out with nearly every download's
 * log batch, and drizzle's query building cost more CPU than the rest of the log write
 * (`npm run bench`'s cpu-profile). Column names and value mapping still come from the
 * drizzle schema.
 */
export function mirrorLinkState(d1: D1Database, mirror: LinkStateMirror): D1PreparedStatement {
  const { state } = mirror;
  const values = Object.entries({ ...linkColumnsOf(state), countVersion: state.version }) as [
    keyof typeof LINK_COLUMNS,
    unknown,
  ][];
  const name = (key: keyof typeof LINK_COLUMNS) => `"${LINK_COLUMNS[key].name}"`;
  const set = values.map(([key]) => `${name(key)} = ?`).join(", ");
  return d1
    .prepare(
      `UPDATE "links" SET ${set} WHERE ${name("tenantId")} = ? AND ${name("id")} = ? AND ${name("countVersion")} < ?`,
    )
    .bind(
      ...values.map(([key, value]) => toDriver(LINK_COLUMNS[key], value)),
      mirror.tenantId,
      mirror.linkId,
      state.version,
    );
}

/** A value as D1 stores it in `column` (booleans as 0/1), null as null. */
export function toDriver(column: { mapToDriverValue(value: unknown): unknown }, value: unknown): unknown {
  return value === null || value === undefined ? null : column.mapToDriverValue(value);
}
