import { inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DownloadEvent } from "../links/linkTypes.ts";
import { mirrorLinkState, type LinkStateMirror } from "./mirrorLinkState.ts";
import { downloadEvents } from "./schema.ts";

/**
 * An event has two versions at most: the first, written when the request was admitted,
 * and the final one, once its body ended (`outcome` set: bytes written, maybe refunded)
 * or the count was given back after a failure (`error` set). Answers without a body
 * have only the first.
 */
function isFinal(event: { outcome: string | null; error: string | null }): boolean {
  return event.outcome !== null || event.error !== null;
}

/**
 * Writes download events, and the link-state mirrors that go with them, in one D1 batch
 * (one transaction). Events are keyed by their own id, so writing one twice changes
 * nothing, with one exception: an event's final version replaces its first, whichever of
 * the two D1 receives first (the Worker's batch and the link's alarm race each other).
 */
export async function writeDownloadLog(
  d1: D1Database,
  events: readonly DownloadEvent[],
  mirrors: readonly LinkStateMirror[] = [],
): Promise<void> {
  const db = drizzle(d1);
  const statements = [
    ...mirrors.map((mirror) => mirrorLinkState(db, mirror)),
    ...events.map((event) =>
      db
        .insert(downloadEvents)
        .values(event)
        .onConflictDoUpdate({
          target: downloadEvents.id,
          set: {
            status: sql`excluded.status`,
            bytes: sql`excluded.bytes`,
            bytesSent: sql`excluded.bytes_sent`,
            outcome: sql`excluded.outcome`,
            counted: sql`excluded.counted`,
            reason: sql`excluded.reason`,
            error: sql`excluded.error`,
          },
          setWhere: sql`(excluded.outcome IS NOT NULL OR excluded.error IS NOT NULL) AND ${downloadEvents.outcome} IS NULL AND ${downloadEvents.error} IS NULL`,
        }),
    ),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * The events among `events` that D1 does not hold in their latest version: missing, or
 * stored in their first version while the outbox has the final one. A read, so
 * confirming a delivered outbox takes no write.
 */
export async function eventsMissingFromLog(d1: D1Database, events: readonly DownloadEvent[]): Promise<DownloadEvent[]> {
  if (events.length === 0) return [];
  const stored = await drizzle(d1)
    .select({ id: downloadEvents.id, outcome: downloadEvents.outcome, error: downloadEvents.error })
    .from(downloadEvents)
    .where(
      inArray(
        downloadEvents.id,
        events.map((e) => e.id),
      ),
    );
  const storedFinal = new Map(stored.map((row) => [row.id, isFinal(row)]));
  return events.filter((e) => {
    const final = storedFinal.get(e.id);
    return final === undefined || (!final && isFinal(e));
  });
}
