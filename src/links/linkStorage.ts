import type { LinkState } from "../policy/decideAccess.ts";
import { randomHex } from "../utils/encoding.ts";
import { prepareLinkTables } from "./linkTables.ts";
import type { LinkIdentity } from "./linkTypes.ts";

export type { LinkIdentity };

/** Counted downloads kept for the resume window and refunds; older ones only matter as a count. */
const GRANTS_KEPT = 100;
/** Enough for any sane device limit, bounded so an unlimited public link cannot grow storage forever. */
const DEVICES_KEPT = 1000;
/** How an erased device id begins (pseudonymiseDevices). */
const ERASED_DEVICE = "erased:";

interface LinkRow extends Record<string, SqlStorageValue> {
  tenant_id: string | null;
  link_id: string | null;
  file_id: string | null;
  count: number;
  revoked: number;
  pending: number;
  held: number;
  suspended: number;
  limit_override: number | null;
  extra_downloads: number;
  expires_at_override: number | null;
  version: number;
}

/**
 * The link's row, its grants and its devices inside one DownloadLink Durable Object
 * (tables: linkTables.ts). All calls are synchronous (`ctx.storage.sql`), which is what
 * makes check-then-count atomic: no other request can run between reading the count and
 * writing it.
 */
export class LinkStorage {
  private rememberedIdentity: string | null = null;

  constructor(private readonly sql: SqlStorage) {
    prepareLinkTables(sql);
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
   * the issuer API. `held` is the order's hold, or null to leave the flag as the hold and
   * release calls set it (the caller passes null when one of them came in while it read D1:
   * the call is newer than the read). Writes only when something changed.
   */
  learnOrderStatus(status: "pending" | "complete" | "canceled" | null, held: boolean | null = null): void {
    const pending = status === null ? null : status === "pending" ? 1 : 0;
    const revoked = status === "canceled" ? 1 : 0;
    const hold = held === null ? null : held ? 1 : 0;
    this.sql.exec(
      `UPDATE link SET order_checked = 1, pending = COALESCE(?1, pending), revoked = MAX(revoked, ?2),
         held = COALESCE(?3, held),
         version = version + (CASE WHEN pending IS NOT COALESCE(?1, pending) OR revoked < ?2
                                     OR held IS NOT COALESCE(?3, held) THEN 1 ELSE 0 END)
       WHERE id = 1 AND (order_checked = 0 OR pending IS NOT COALESCE(?1, pending) OR revoked < ?2
                         OR held IS NOT COALESCE(?3, held))`,
      pending,
      revoked,
      hold,
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
    // Written once per object, not on every request: it never changes for a link. The
    // state query reads the stored one (identityKey), so a woken object writes nothing.
    const key = identityKey(identity.tenantId, identity.linkId, identity.fileId);
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
  state(
    device: string | null,
    withDevices = true,
  ): LinkState & { version: number; lastCountedAt: number | null; storedClaims: string | null } {
    const { last, device_last, claims, ...row } = this.sql
      .exec<LinkRow & { last: number | null; device_last: number | null; claims: string | null }>(
        `SELECT *,
           (SELECT MAX(started_at) FROM grants WHERE refunded = 0) AS last,
           (SELECT MAX(started_at) FROM grants WHERE refunded = 0 AND device = ?) AS device_last,
           (SELECT json FROM claims WHERE id = 1) AS claims
         FROM link WHERE id = 1`,
        device,
      )
      .one();
    this.rememberedIdentity ??= identityKey(row.tenant_id, row.link_id, row.file_id);
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
      held: row.held === 1,
      suspended: row.suspended === 1,
      limitOverride: row.limit_override,
      extraDownloads: row.extra_downloads,
      expiresAtOverride: row.expires_at_override,
      devices,
      version: row.version,
      // The newest token's claims as stored (LinkClaimsMemory), read here to save a statement.
      storedClaims: claims,
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
   * grant is unknown, already refunded, or relied upon by a resume, or when `abort` (a refund
   * for a client's early abort) would take the link past its refund budget. A device left
   * without a counted download no longer holds a slot of the device limit.
   *
   * The budget: the responses a link gives back for early aborts may together have written
   * at most `abort.budgetBytes` (the refund fraction of the file). Each is charged the most
   * it can have written while still given back (`refundChargeBytes`: its threshold, or the
   * whole answer when that went out in one piece), so the bytes a client
   * takes without a count stay under that share of the file however it chains ranges that
   * each stop short of their own threshold. A source failure is never charged.
   */
  refund(grantId: number, abort?: { chargeBytes: number; budgetBytes: number }): boolean {
    if (abort) {
      const spent = this.sql
        .exec<{ spent: number }>("SELECT refunded_bytes AS spent FROM link WHERE id = 1")
        .one().spent;
      if (spent + abort.chargeBytes > abort.budgetBytes) return false;
    }
    const grant = this.sql
      .exec<{ device: string | null }>(
        "UPDATE grants SET refunded = 1 WHERE id = ? AND refunded = 0 AND relied = 0 RETURNING device",
        grantId,
      )
      .toArray()[0];
    if (!grant) return false;
    this.sql.exec(
      "UPDATE link SET count = MAX(count - 1, 0), refunded_bytes = refunded_bytes + ?, version = version + 1 WHERE id = 1",
      abort?.chargeBytes ?? 0,
    );
    if (grant.device !== null) {
      this.sql.exec("UPDATE devices SET downloads = downloads - 1 WHERE device = ?", grant.device);
      this.sql.exec("DELETE FROM devices WHERE device = ? AND downloads <= 0", grant.device);
    }
    return true;
  }

  /** Its order is held for review (or released): `suspended` from the next request on. */
  setHeld(held: boolean): void {
    this.sql.exec("UPDATE link SET held = ?, version = version + 1 WHERE id = 1", held ? 1 : 0);
  }

  /** Blocked (sharing detection, or the store) or cleared. */
  setSuspended(suspended: boolean): void {
    this.sql.exec("UPDATE link SET suspended = ?, version = version + 1 WHERE id = 1", suspended ? 1 : 0);
  }

  setRevoked(revoked: boolean): void {
    this.sql.exec("UPDATE link SET revoked = ?, version = version + 1 WHERE id = 1", revoked ? 1 : 0);
  }

  /** While the order is unpaid the link refuses downloads with `pending`. */
  setPending(pending: boolean): void {
    this.sql.exec("UPDATE link SET pending = ?, version = version + 1 WHERE id = 1", pending ? 1 : 0);
  }

  /** The store's limit override and extra downloads, which a change's limit check starts from. */
  overrides(): { limitOverride: number | null; extraDownloads: number } {
    return this.sql
      .exec<{ limitOverride: number | null; extraDownloads: number }>(
        "SELECT limit_override AS limitOverride, extra_downloads AS extraDownloads FROM link WHERE id = 1",
      )
      .one();
  }

  setLimitOverride(limit: number | null): void {
    this.sql.exec("UPDATE link SET limit_override = ?, version = version + 1 WHERE id = 1", limit);
  }

  addDownloads(extra: number): void {
    this.sql.exec("UPDATE link SET extra_downloads = extra_downloads + ?, version = version + 1 WHERE id = 1", extra);
  }

  /** The link has no limit (any more): extra downloads would add to nothing. */
  dropExtraDownloads(): void {
    this.sql.exec("UPDATE link SET extra_downloads = 0, version = version + 1 WHERE id = 1");
  }

  setExpiryOverride(expiresAt: number | null): void {
    this.sql.exec("UPDATE link SET expires_at_override = ?, version = version + 1 WHERE id = 1", expiresAt);
  }

  /**
   * Erasure (DownloadLink.erasePersonalData): every device id, in the device list and the
   * grants, is replaced by a random one no client can present (`:` is outside the
   * `dlg_device` cookie's alphabet, and a derived id is base64url). The device limit's
   * slots and each grant's refund stay as they were; no device is recognised any more, so
   * its next download is a new one (a resume is counted once more). Returns how many ids
   * were replaced; ids an earlier erasure replaced are left alone.
   */
  pseudonymiseDevices(): number {
    const ids = this.sql
      .exec<{ device: string }>(
        `SELECT device FROM devices WHERE device NOT LIKE '${ERASED_DEVICE}%'
         UNION SELECT device FROM grants WHERE device IS NOT NULL AND device NOT LIKE '${ERASED_DEVICE}%'`,
      )
      .toArray();
    for (const { device } of ids) {
      const pseudonym = `${ERASED_DEVICE}${randomHex(8)}`;
      this.sql.exec("UPDATE devices SET device = ? WHERE device = ?", pseudonym, device);
      this.sql.exec("UPDATE grants SET device = ? WHERE device = ?", pseudonym, device);
    }
    return ids.length;
  }

  /** Starts the link over: count, devices, resume history and refund budget cleared; overrides kept. */
  reset(): void {
    this.sql.exec("UPDATE link SET count = 0, refunded_bytes = 0, version = version + 1 WHERE id = 1");
    this.sql.exec("DELETE FROM grants");
    this.sql.exec("DELETE FROM devices");
  }
}

/** Which link an object is, as rememberIdentity compares it; null until a request told it. */
function identityKey(tenantId: string | null, linkId: string | null, fileId: string | null): string | null {
  return tenantId && linkId && fileId ? `${tenantId}/${linkId}/${fileId}` : null;
}
