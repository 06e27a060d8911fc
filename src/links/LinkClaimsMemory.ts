import { claimsSchema, type Claims } from "../token/claims.ts";

/**
 * The claims of the newest token a link's file went out on, kept in the link's Durable Object.
 * A store that signs its own links (without the issuer API) has no row for them in D1; this
 * is what lets the issuer API show such a link's grant and mint a fresh URL with the same
 * restrictions (docs/CONTRACT.md §9).
 */
export class LinkClaimsMemory {
  /** What this object last wrote or read, so an unchanged token costs no write. */
  private written: string | null = null;

  /** The table is created with the link's others (linkTables.ts). */
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Keeps `claims` unless they equal what is stored: `stored` is the JSON the link's state
   * query read in the same step (LinkStorage.state), so a woken object checks without a
   * statement of its own. Only a token the file's bytes went out on (`delivered`) replaces
   * claims already kept: a HEAD, a page or a refusal changes nothing (docs/CONTRACT.md §4),
   * so another token's probe cannot rewrite the grant the issuer API shows and re-signs. Any
   * request's token is kept while none is, so a link the store signed shows a grant from its
   * first request on.
   */
  remember(claims: Claims, stored: string | null, delivered: boolean): void {
    const json = JSON.stringify(claims);
    this.written ??= stored;
    if (json === this.written || (this.written !== null && !delivered)) return;
    this.written = json;
    this.sql.exec(
      "INSERT INTO claims (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json WHERE json IS NOT excluded.json",
      json,
    );
  }

  /**
   * Erasure (DownloadLink.erasePersonalData): the remembered claims name `pseudonym` as
   * their customer (`sub`) instead, as D1's link row does. The rest is the grant and stays.
   * Returns whether a customer was replaced. If the customer uses the link again, the
   * token's claims are remembered again like any new request's.
   */
  pseudonymise(pseudonym: string): boolean {
    const stored = this.stored();
    if (typeof stored !== "object" || stored === null) return false;
    const { sub } = stored as { sub?: unknown };
    if (typeof sub !== "string" || sub === pseudonym) return false;
    const json = JSON.stringify({ ...stored, sub: pseudonym });
    this.sql.exec("UPDATE claims SET json = ? WHERE id = 1", json);
    this.written = json;
    return true;
  }

  /** The remembered claims, or null (never used, or used before this memory existed). */
  recall(): Claims | null {
    const parsed = claimsSchema.safeParse(this.stored());
    return parsed.success ? parsed.data : null;
  }

  /** The stored claims as parsed JSON, unchecked; null when none are stored or they are not JSON. */
  private stored(): unknown {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM claims WHERE id = 1").toArray()[0];
    if (!row) return null;
    try {
      return JSON.parse(row.json) as unknown;
    } catch {
      return null;
    }
  }
}
