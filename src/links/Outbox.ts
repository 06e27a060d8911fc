import type { DownloadEvent } from "./DownloadEvent.ts";

/**
 * Events wait here, in the Durable Object's own storage, until the alarm has written
 * them to D1. A D1 outage therefore delays the log but loses nothing, and never sits
 * in the way of a download (DESIGN.md §6 rule 7).
 */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  append(event: DownloadEvent): void {
    this.sql.exec("INSERT INTO outbox (id, event) VALUES (?, ?)", event.id, JSON.stringify(event));
  }

  /** Rewrites an event still waiting (a refund turns a 200 into the error that followed). */
  amend(id: string, change: Partial<Pick<DownloadEvent, "status" | "bytes" | "counted" | "error">>): boolean {
    const row = this.sql.exec<{ event: string }>("SELECT event FROM outbox WHERE id = ?", id).toArray()[0];
    if (!row) return false;
    const event = { ...(JSON.parse(row.event) as DownloadEvent), ...change };
    this.sql.exec("UPDATE outbox SET event = ? WHERE id = ?", JSON.stringify(event), id);
    return true;
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
