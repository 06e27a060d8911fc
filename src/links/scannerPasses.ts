/**
 * How many scanner requests a link has served uncounted (docs/CONTRACT.md §6 rule 4a), in the
 * link's Durable Object so that taking a pass is atomic with the count. Its own table,
 * created on first use: links that never see a scanner never get it.
 */
export class ScannerPasses {
  private created = false;

  constructor(private readonly sql: SqlStorage) {}

  private table(): void {
    if (this.created) return;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS scanner_passes (id INTEGER PRIMARY KEY CHECK (id = 1), used INTEGER NOT NULL)",
    );
    this.created = true;
  }

  used(): number {
    this.table();
    return this.sql.exec<{ used: number }>("SELECT used FROM scanner_passes WHERE id = 1").toArray()[0]?.used ?? 0;
  }

  /** Takes a pass when fewer than `allowed` were used, synchronously; false when none is left. */
  take(allowed: number): boolean {
    if (this.used() >= allowed) return false;
    this.sql.exec("INSERT INTO scanner_passes (id, used) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET used = used + 1");
    return true;
  }

  /** A reset link (issuer API) starts over with its passes too. */
  reset(): void {
    this.table();
    this.sql.exec("DELETE FROM scanner_passes");
  }
}
