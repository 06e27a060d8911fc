import type { DownloadEvent } from "./DownloadEvent.ts";

/**
 * Events wait here, in the Durable Object's own storage, until the link's alarm
 * has seen them in D1 (or written them there itself). A D1 outage therefore delays the
 * log but loses nothing, and never sits in the way of a download (DESIGN.md §6 rule 7).
 */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Adds an event, or replaces the waiting or already confirmed version of it (a refund
   * turns a 200 into the error that followed; the new version must reach D1 as well).
   */
  put(event: DownloadEvent): void {
    this.sql.exec(
      "INSERT INTO outbox (id, event) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET event = excluded.event",
      event.id,
      JSON.stringify(event),
    );
  }

  oldest(limit: number): DownloadEvent[] {
    return this.sql
      .exec<{ event: string }>("SELECT event FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => JSON.parse(row.event) as DownloadEvent);
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM outbox WHERE id = ?", id);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }
}
