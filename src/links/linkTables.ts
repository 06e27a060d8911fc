/**
 * The SQLite tables inside one DownloadLink Durable Object (read and written by
 * linkStorage.ts and Outbox.ts), and their upgrades from the shapes of older releases.
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
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL) WITHOUT ROWID;
-- The newest token's claims (LinkClaimsMemory.ts), read with the link's state.
CREATE TABLE IF NOT EXISTS claims (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);`;

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
  // Its order is held for review (issue 12): told by the hold and release calls, read on first use.
  { table: "link", column: "held", definition: "INTEGER NOT NULL DEFAULT 0" },
  // Blocked, by sharing detection (sharingWatch.ts) or by the store: `suspended` until cleared.
  { table: "link", column: "suspended", definition: "INTEGER NOT NULL DEFAULT 0" },
  { table: "link", column: "refunded_bytes", definition: "INTEGER NOT NULL DEFAULT 0" },
];

/**
 * Whether a table of those created on first use (sharing detection's, `erased_events`)
 * exists: links that never needed it never got it, and reading it would fail.
 */
export function tableExists(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}

/**
 * The shape this release's tables have (2: the claims table joined SCHEMA; 3: the refund
 * budget, `link.refunded_bytes`). Bump it
 * whenever SCHEMA, ADDED_COLUMNS or a rebuild changes: an object stamped with an older
 * number (or none: objects of releases before the stamp) is brought up to date on its
 * next wake-up.
 */
export const LINK_SCHEMA_VERSION = 3;

/**
 * Creates the tables, or brings an object created by an older release up to date, on each
 * wake-up. An object already at LINK_SCHEMA_VERSION reads one row and is done: a link is
 * woken for nearly every download (one customer, one or two requests, minutes apart), and
 * the full check below (a dozen statements, pragma reads) cost 0.8 ms of CPU per request
 * in `npm run bench`'s cpu-profile.
 */
export function prepareLinkTables(sql: SqlStorage): void {
  if (storedSchemaVersion(sql) === LINK_SCHEMA_VERSION) return;
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
  sql.exec("CREATE TABLE IF NOT EXISTS link_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  sql.exec(
    "INSERT INTO link_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
    LINK_SCHEMA_VERSION,
  );
}

/** The stamp prepareLinkTables left, or 0 for a new object or one of a release before the stamp. */
function storedSchemaVersion(sql: SqlStorage): number {
  try {
    return sql.exec<{ version: number }>("SELECT version FROM link_schema").one().version;
  } catch {
    return 0; // no such table (yet)
  }
}
