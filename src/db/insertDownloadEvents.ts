import { drizzle } from "drizzle-orm/d1";
import type { DownloadEvent } from "../links/DownloadEvent.ts";
import { downloadEvents } from "./schema.ts";

/**
 * Writes events in one D1 batch (one transaction). Ids are the events' own, and a
 * conflict is ignored, so retrying a flush whose answer was lost inserts nothing twice.
 */
export async function insertDownloadEvents(d1: D1Database, events: readonly DownloadEvent[]): Promise<void> {
  if (events.length === 0) return;
  const db = drizzle(d1);
  const [first, ...rest] = events.map((e) => db.insert(downloadEvents).values(e).onConflictDoNothing());
  if (first) await db.batch([first, ...rest]);
}
