import type { SharingSettings } from "../tenants/tenantSettings.ts";
import { COUNTRY_CODES } from "../token/countryCodes.ts";
import { tableExists } from "./linkTables.ts";

/** Why and when a link was flagged for suspected sharing: the figures of the request that crossed the bound. */
export interface LinkFlag {
  /** Unix ms. */
  at: number;
  reason: "max_networks" | "max_countries";
  /** Distinct networks (/24, /48) and countries within the window, the crossing request's included. */
  networks: number;
  countries: number;
  /** What the tenant's setting did: `flag` served the request, `block` refused it and blocks the link. */
  action: SharingSettings["action"];
}

/** The outcome for one request: refused (`block`), and whether this request flagged the link. */
export interface SharingVerdict {
  refuse: boolean;
  /** Set only on the request that flagged the link (once, until the store clears it). */
  flagged: LinkFlag | null;
}

/** Networks kept per link at most: past a sane bound a link is shared anyway, and storage stays bounded. */
const NETWORKS_KEPT = 1000;

/**
 * Sharing detection for one link, in its Durable Object (issue 12 item 3): which networks
 * and countries received its bytes recently, and whether it is flagged or blocked. All
 * calls are synchronous, so `observe` runs in the same step as the count: under any burst,
 * the request that crosses the bound is exactly one, and with `block` it and everything
 * after it are refused and counted nothing.
 *
 * Networks are kept only as keyed hashes (links/networkHash.ts), never as addresses;
 * countries as their codes. Rows older than the window are dropped as requests come.
 * Tables are created on first use: links of a tenant without the setting never get them.
 */
export class SharingWatch {
  private loaded = false;
  private flagNow: LinkFlag | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private load(): void {
    if (this.loaded) return;
    if (tableExists(this.sql, "sharing")) {
      const row = this.sql.exec<{ flag: string | null }>("SELECT flag FROM sharing WHERE id = 1").one();
      this.flagNow = row.flag === null ? null : (JSON.parse(row.flag) as LinkFlag);
    }
    this.loaded = true;
  }

  private create(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS sharing (id INTEGER PRIMARY KEY CHECK (id = 1), flag TEXT);
      INSERT OR IGNORE INTO sharing (id) VALUES (1);
      CREATE TABLE IF NOT EXISTS sharing_seen (
        kind TEXT NOT NULL, value TEXT NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (kind, value)) WITHOUT ROWID;`);
  }

  private save(): void {
    this.create();
    this.sql.exec(
      "UPDATE sharing SET flag = ? WHERE id = 1",
      this.flagNow === null ? null : JSON.stringify(this.flagNow),
    );
  }

  flag(): LinkFlag | null {
    this.load();
    return this.flagNow;
  }

  /**
   * Records that the link's bytes go to `network` (its hash) in `country` now, unless this
   * request takes the link past a bound and the action is `block`: then the request is to be
   * refused and the link blocked (the caller's `suspended` flag), and nothing of it is recorded. An unknown network or country
   * (no address, `XX`) is not counted as one: it cannot be told apart from the others.
   */
  observe(now: number, settings: SharingSettings, network: string | null, country: string | null): SharingVerdict {
    this.load();
    this.create();
    const place = country !== null && COUNTRY_CODES.has(country) ? country : null;
    this.sql.exec("DELETE FROM sharing_seen WHERE last_at <= ?", now - settings.window_seconds * 1000);
    const figures = { networks: this.distinct("n", network), countries: this.distinct("c", place) };
    const reason =
      settings.max_networks !== undefined && figures.networks > settings.max_networks
        ? ("max_networks" as const)
        : settings.max_countries !== undefined && figures.countries > settings.max_countries
          ? ("max_countries" as const)
          : null;
    const crossing = reason === null ? null : { at: now, reason, ...figures, action: settings.action };
    if (crossing && settings.action === "block") {
      this.flagNow = crossing;
      this.save();
      return { refuse: true, flagged: crossing };
    }
    this.see("n", network, now, figures.networks);
    this.see("c", place, now, figures.countries);
    if (!crossing || this.flagNow !== null) return { refuse: false, flagged: null };
    this.flagNow = crossing;
    this.save();
    return { refuse: false, flagged: crossing };
  }

  /** Distinct values of `kind` in the window, counting `value` as one more if it is new. */
  private distinct(kind: "n" | "c", value: string | null): number {
    const known = this.sql
      .exec<{ n: number; has: number }>(
        "SELECT COUNT(*) AS n, COALESCE(SUM(value = ?), 0) AS has FROM sharing_seen WHERE kind = ?",
        value,
        kind,
      )
      .one();
    return known.n + (value !== null && known.has === 0 ? 1 : 0);
  }

  private see(kind: "n" | "c", value: string | null, now: number, distinct: number): void {
    if (value === null) return;
    this.sql.exec(
      "INSERT INTO sharing_seen (kind, value, last_at) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO UPDATE SET last_at = excluded.last_at",
      kind,
      value,
      now,
    );
    if (distinct > NETWORKS_KEPT) {
      this.sql.exec(
        "DELETE FROM sharing_seen WHERE kind = ? AND value IN (SELECT value FROM sharing_seen WHERE kind = ? ORDER BY last_at DESC LIMIT -1 OFFSET ?)",
        kind,
        kind,
        NETWORKS_KEPT,
      );
    }
  }

  /**
   * Erasure (DownloadLink.erasePersonalData): the networks (keyed hashes) and countries
   * seen are forgotten; a flag or block stays, as it names no network and no country.
   */
  forgetSeen(): void {
    if (tableExists(this.sql, "sharing_seen")) this.sql.exec("DELETE FROM sharing_seen");
  }

  /**
   * The store has looked and clears it (`PATCH {"suspended": false}`, or a reset): not
   * flagged, and the networks and countries seen so far forgotten, so the customer's next
   * download does not cross the same bound again at once.
   */
  clear(): void {
    this.load();
    if (!tableExists(this.sql, "sharing")) return;
    this.flagNow = null;
    this.save();
    this.sql.exec("DELETE FROM sharing_seen");
  }
}
