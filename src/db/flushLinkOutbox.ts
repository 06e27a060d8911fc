import { drizzle } from "drizzle-orm/d1";
import type { DownloadEvent } from "../links/DownloadEvent.ts";
import { mirrorLinkState, type LinkStateMirror } from "./mirrorLinkState.ts";
import { downloadEvents } from "./schema.ts";

/**
 * Writes a batch of events plus the link's state mirror in one D1 batch (one
 * transaction). Event ids are the events' own and conflicts are ignored, so retrying a
 * flush whose answer was lost inserts nothing twice.
 */
export async function flushLinkOutbox(
  d1: D1Database,
  events: readonly DownloadEvent[],
  mirror: LinkStateMirror | null,
): Promise<void> {
  const db = drizzle(d1);
  const statements = events.map((e) => db.insert(downloadEvents).values(e).onConflictDoNothing());
  const [first, ...rest] = mirror ? [mirrorLinkState(db, mirror), ...statements] : statements;
  if (first) await db.batch([first, ...rest]);
}
