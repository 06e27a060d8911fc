import { NO_PERSONAL_DATA, type DownloadEvent } from "./DownloadEvent.ts";
import { tableExists } from "./linkTables.ts";

export interface OutboxEntry {
  event: DownloadEvent;
  /** The stored JSON, to tell whether the event was rewritten after it was read. */
  stored: string;
}

/**
 * Events wait here, in the Durable Object's own storage, until the link's alarm
 * has seen them in D1 (or written them there itself). A D1 outage therefore delays the
 * log but loses nothing, and never sits in the way of a download (docs/CONTRACT.md §6 rule 7).
 */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Adds an event, or replaces the waiting or already confirmed version of it (a refund
   * turns a 200 into the error that followed; the new version must reach D1 as well).
   */
  put(event: DownloadEvent): void {
    this.sql.exec(
      "INSERT INTO outbox (id, at, event) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET event = excluded.event",
      event.id,
      event.at,
      JSON.stringify(event),
    );
  }

  /** The oldest waiting events, each with the exact text stored for it. */
  oldest(limit: number): OutboxEntry[] {
    return this.sql
      .exec<{ event: string }>("SELECT event FROM outbox ORDER BY at LIMIT ?", limit)
      .toArray()
      .map((row) => ({ event: JSON.parse(row.event) as DownloadEvent, stored: row.event }));
  }

  /**
   * Removes confirmed events, unless one was rewritten since it was read (a refund during
   * the confirmation's D1 round trip): that new version stays until it is confirmed too.
   */
  removeUnchanged(entries: readonly OutboxEntry[]): void {
    for (const { event, stored } of entries) {
      this.sql.exec("DELETE FROM outbox WHERE id = ? AND event = ?", event.id, stored);
    }
  }

  /**
   * Erasure (DownloadLink.erasePersonalData): the waiting events lose their address,
   * User-Agent, country and device, and are listed in `erased_events` until the alarm has
   * cleared the same fields in D1, where the Worker's own write of an event may land after
   * the erasure (logConfirmation.ts). Returns how many events were waiting.
   */
  forgetPersonalData(): number {
    this.sql.exec("CREATE TABLE IF NOT EXISTS erased_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
    const waiting = this.sql.exec<{ id: string; event: string }>("SELECT id, event FROM outbox").toArray();
    for (const { id, event } of waiting) {
      const parsed = JSON.parse(event) as DownloadEvent;
      this.sql.exec("INSERT OR IGNORE INTO erased_events (id, at) VALUES (?, ?)", id, parsed.at);
      const scrubbed = JSON.stringify({ ...parsed, ...NO_PERSONAL_DATA });
      if (scrubbed !== event) this.sql.exec("UPDATE outbox SET event = ? WHERE id = ?", scrubbed, id);
    }
    return waiting.length;
  }

  /** Events whose personal data D1 must lose (forgetPersonalData), with the time of their request. */
  erasedEvents(): { id: string; at: number }[] {
    return tableExists(this.sql, "erased_events")
      ? this.sql.exec<{ id: string; at: number }>("SELECT id, at FROM erased_events").toArray()
      : [];
  }

  /** No late write of these events can come any more. */
  dropErasedEvents(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM erased_events WHERE id = ?", id);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }
}
