import type { LinkState } from "../policy/decideAccess.ts";

/**
 * The SQLite tables inside one DownloadLink Durable Object. All calls are synchronous
 * (`ctx.storage.sql`), which is what makes check-then-count atomic: no other request
 * can run between reading the count and writing it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS link (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  tenant_id TEXT, link_id TEXT, file_id TEXT,
  count INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  limit_override INTEGER,
  extra_downloads INTEGER NOT NULL DEFAULT 0,
  expires_at_override INTEGER,
  -- Bumped on every change, so mirrors of this state can refuse older writes.
  version INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO link (id) VALUES (1);
-- Ids come from link.grant_seq (never reset), not AUTOINCREMENT: no sqlite_sequence row
-- to write per download (docs/COST.md), and still never reused after a reset.
CREATE TABLE IF NOT EXISTS grants (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS devices (device TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
-- Keyed by the event id alone (no rowid, no AUTOINCREMENT, no second index): adding an
-- event writes one row (docs/COST.md). \`at\` orders the confirmation.
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL) WITHOUT ROWID;`;

/**
 * The grants table's first shape numbered its rows with AUTOINCREMENT (a `sqlite_sequence`
 * row written per download). Rebuilt once; `link.grant_seq` continues after the highest id
 * ever given, so a refund or resume naming an old grant can never hit a new one.
 */
function rebuildOldGrants(sql: SqlStorage): void {
  const table = sql
    .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'grants'")
    .one();
  if (!/AUTOINCREMENT/i.test(table.sql)) return;
  sql.exec(`CREATE TABLE grants_rebuilt (
      id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0,
      device TEXT, relied INTEGER NOT NULL DEFAULT 0);
    INSERT INTO grants_rebuilt (id, started_at, refunded, device, relied)
      SELECT id, started_at, refunded, device, relied FROM grants;
    UPDATE link SET grant_seq = MAX(grant_seq,
      COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'grants'), 0),
      COALESCE((SELECT MAX(id) FROM grants), 0)) WHERE id = 1;
    DROP TABLE grants;
    ALTER TABLE grants_rebuilt RENAME TO grants;`);
}

/**
 * The outbox's first shape (a rowid `seq` with AUTOINCREMENT and a UNIQUE index on `id`:
 * three rows written per event), rebuilt once into the one above, keeping its events in
 * their order.
 */
function rebuildOldOutbox(sql: SqlStorage): void {
  const old = sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info('outbox')")
    .toArray()
    .some((c) => c.name === "seq");
  if (!old) return;
  sql.exec(`CREATE TABLE outbox_rebuilt (id TEXT PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL) WITHOUT ROWID;
    INSERT INTO outbox_rebuilt (id, at, event) SELECT id, seq, event FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_rebuilt RENAME TO outbox;`);
}

/**
 * Columns added after the first release. Objects created before them get them on their
 * next wake-up; a device already known counts as holding one download (the safe side:
 * a refund then never frees a slot that an older, untracked download holds).
 */
const ADDED_COLUMNS: readonly { table: string; column: string; definition: string }[] = [
  // Which device took the download: a resume is free only for that device (rule 3).
  { table: "grants", column: "device", definition: "TEXT" },
  // Set once a free resume was admitted on the strength of this download: never refunded (rule 4).
  { table: "grants", column: "relied", definition: "INTEGER NOT NULL DEFAULT 0" },
  // Counted, not refunded downloads of the device; at 0 the device no longer holds a slot of `dev`.
  { table: "devices", column: "downloads", definition: "INTEGER NOT NULL DEFAULT 1" },
  // Set once the link has read its order's status from D1 (issue 13 item 5: an order call
  // touches no link object, so the object learns "pending" or "canceled" on its first use).
  { table: "link", column: "order_checked", definition: "INTEGER NOT NULL DEFAULT 0" },
  // The last grant id given (see rebuildOldGrants).
  { table: "link", column: "grant_seq", definition: "INTEGER NOT NULL DEFAULT 0" },
];

/** Counted downloads kept for the resume window and refunds; older ones only matter as a count. */
const GRANTS_KEPT = 100;
/** Enough for any sane device limit, bounded so an unlimited public link cannot grow storage forever. */
const DEVICES_KEPT = 1000;

interface LinkRow extends Record<string, SqlStorageValue> {
  tenant_id: string | null;
  link_id: string | null;
  file_id: string | null;
  count: number;
  revoked: number;
  pending: number;
  limit_override: number | null;
  extra_downloads: number;
  expires_at_override: number | null;
  version: number;
}

export interface LinkIdentity {
  tenantId: string;
  linkId: string;
  fileId: string;
}

export class LinkStorage {
  private rememberedIdentity: string | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    rebuildOldOutbox(sql);
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const present = sql
        .exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
        .toArray()
        .some((c) => c.name === column);
      if (present) continue;
      sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
      // An object that served before this column existed was told "pending" by the order
      // call itself (setPending); it has nothing to learn unless it is still pending.
      if (column === "order_checked") sql.exec("UPDATE link SET order_checked = 1 WHERE tenant_id IS NOT NULL");
    }
    rebuildOldGrants(sql);
  }

  /**
   * Whether the link must ask D1 for its order's status before deciding: on its first use
   * and, while the order is unpaid, on every request until the order completes (the order
   * calls write D1 only). Once false it stays false for the object's lifetime.
   */
  needsOrderStatus(): boolean {
    const row = this.sql
      .exec<{ checked: number; pending: number }>("SELECT order_checked AS checked, pending FROM link WHERE id = 1")
      .one();
    return row.checked === 0 || row.pending === 1;
  }

  /**
   * What D1 says of the link's order: `pending` refuses downloads until it says otherwise,
   * `complete` opens the link, `canceled` revokes it for good; null (a link D1 does not
   * know: signed outside the issuer API) leaves the flags as the store set them through
   * the issuer API. Writes only when something changed.
   */
  learnOrderStatus(status: "pending" | "complete" | "canceled" | null): void {
    const pending = status === null ? null : status === "pending" ? 1 : 0;
    const revoked = status === "canceled" ? 1 : 0;
    this.sql.exec(
      `UPDATE link SET order_checked = 1, pending = COALESCE(?, pending), revoked = MAX(revoked, ?),
         version = version + (CASE WHEN pending IS NOT COALESCE(?, pending) OR revoked < ? THEN 1 ELSE 0 END)
       WHERE id = 1 AND (order_checked = 0 OR pending IS NOT COALESCE(?, pending) OR revoked < ?)`,
      pending,
      revoked,
      pending,
      revoked,
      pending,
      revoked,
    );
  }

  private row(): LinkRow {
    return this.sql.exec<LinkRow>("SELECT * FROM link WHERE id = 1").one();
  }

  identity(): LinkIdentity | null {
    const row = this.row();
    return row.tenant_id && row.link_id && row.file_id
      ? { tenantId: row.tenant_id, linkId: row.link_id, fileId: row.file_id }
      : null;
  }

  /** Remembers which tenant/link this object is; the alarm needs it to write to D1. */
  rememberIdentity(identity: LinkIdentity): void {
    // Written once per object lifetime, not on every request: it never changes for a link.
    const key = `${identity.tenantId}/${identity.linkId}/${identity.fileId}`;
    if (this.rememberedIdentity === key) return;
    this.rememberedIdentity = key;
    this.sql.exec(
      "UPDATE link SET tenant_id = ?, link_id = ?, file_id = ? WHERE id = 1 AND (tenant_id IS NOT ? OR file_id IS NOT ?)",
      identity.tenantId,
      identity.linkId,
      identity.fileId,
      identity.tenantId,
      identity.fileId,
    );
  }

  /**
   * The link's state for a request from `device`, in one query. The device set is read
   * only when the caller needs it (a token with a `dev` limit); otherwise it is left
   * empty, which decideAccess ignores.
   */
  state(device: string | null, withDevices = true): LinkState & { version: number; lastCountedAt: number | null } {
    const { last, device_last, ...row } = this.sql
      .exec<LinkRow & { last: number | null; device_last: number | null }>(
        `SELECT *,
           (SELECT MAX(started_at) FROM grants WHERE refunded = 0) AS last,
           (SELECT MAX(started_at) FROM grants WHERE refunded = 0 AND device = ?) AS device_last
         FROM link WHERE id = 1`,
        device,
      )
      .one();
    const devices = new Set(
      withDevices
        ? this.sql
            .exec<{ device: string }>("SELECT device FROM devices")
            .toArray()
            .map((d) => d.device)
        : [],
    );
    return {
      count: row.count,
      lastCountedAt: last,
      deviceLastCountedAt: device_last,
      revoked: row.revoked === 1,
      pending: row.pending === 1,
      limitOverride: row.limit_override,
      extraDownloads: row.extra_downloads,
      expiresAtOverride: row.expires_at_override,
      devices,
      version: row.version,
    };
  }

  deviceCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM devices").one().n;
  }

  /** Takes one download for `device`; returns the grant id that a refund or a resume names. */
  count(now: number, device: string): number {
    const grantId = this.sql
      .exec<{ id: number }>(
        "UPDATE link SET count = count + 1, version = version + 1, grant_seq = grant_seq + 1 WHERE id = 1 RETURNING grant_seq AS id",
      )
      .one().id;
    this.sql.exec("INSERT INTO grants (id, started_at, device) VALUES (?, ?, ?)", grantId, now, device);
    // Trimming is housekeeping: every 25th download is often enough to bound the table.
    if (grantId % 25 === 0) this.sql.exec("DELETE FROM grants WHERE id <= ?", grantId - GRANTS_KEPT);
    const known = this.sql.exec("UPDATE devices SET downloads = downloads + 1 WHERE device = ?", device).rowsWritten;
    if (known === 0)
      this.sql.exec(
        "INSERT INTO devices (device, first_seen, downloads) SELECT ?, ?, 1 WHERE (SELECT COUNT(*) FROM devices) < ?",
        device,
        now,
        DEVICES_KEPT,
      );
    return grantId;
  }

  /**
   * A free resume was admitted for `device` on the strength of its newest counted download
   * (the one decideAccess saw): that download is now relied upon and is never refunded,
   * so a download manager whose first connection closes early still leaves a count.
   */
  markRelied(device: string): void {
    this.sql.exec(
      "UPDATE grants SET relied = 1 WHERE relied = 0 AND id = (SELECT MAX(id) FROM grants WHERE refunded = 0 AND device = ?)",
      device,
    );
  }

  /**
   * Gives a download back (docs/CONTRACT.md §6 rule 4). Returns false, changing nothing, when the
   * grant is unknown, already refunded, or relied upon by a resume. A device left without
   * a counted download no longer holds a slot of the device limit.
   */
  refund(grantId: number): boolean {
    const grant = this.sql
      .exec<{ device: string | null }>(
        "UPDATE grants SET refunded = 1 WHERE id = ? AND refunded = 0 AND relied = 0 RETURNING device",
        grantId,
      )
      .toArray()[0];
    if (!grant) return false;
    this.sql.exec("UPDATE link SET count = MAX(count - 1, 0), version = version + 1 WHERE id = 1");
    if (grant.device !== null) {
      this.sql.exec("UPDATE devices SET downloads = downloads - 1 WHERE device = ?", grant.device);
      this.sql.exec("DELETE FROM devices WHERE device = ? AND downloads <= 0", grant.device);
    }
    return true;
  }

  setRevoked(revoked: boolean): void {
    this.sql.exec("UPDATE link SET revoked = ?, version = version + 1 WHERE id = 1", revoked ? 1 : 0);
  }

  /** While the order is unpaid the link refuses downloads with `pending`. */
  setPending(pending: boolean): void {
    this.sql.exec("UPDATE link SET pending = ?, version = version + 1 WHERE id = 1", pending ? 1 : 0);
  }

  setLimitOverride(limit: number | null): void {
    this.sql.exec("UPDATE link SET limit_override = ?, version = version + 1 WHERE id = 1", limit);
  }

  addDownloads(extra: number): void {
    this.sql.exec("UPDATE link SET extra_downloads = extra_downloads + ?, version = version + 1 WHERE id = 1", extra);
  }

  setExpiryOverride(expiresAt: number | null): void {
    this.sql.exec("UPDATE link SET expires_at_override = ?, version = version + 1 WHERE id = 1", expiresAt);
  }

  /** Starts the link over: count, devices and resume history cleared; overrides kept. */
  reset(): void {
    this.sql.exec("UPDATE link SET count = 0, version = version + 1 WHERE id = 1");
    this.sql.exec("DELETE FROM grants");
    this.sql.exec("DELETE FROM devices");
  }
}
