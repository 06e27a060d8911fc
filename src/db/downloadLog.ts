import { inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DownloadEvent } from "../links/DownloadEvent.ts";
import { mirrorLinkState, type LinkStateMirror } from "./mirrorLinkState.ts";
import { downloadEvents } from "./schema.ts";

/**
 * Writes download events, and the link-state mirrors that go with them, in one D1 batch
 * (one transaction). Events are keyed by their own id, so writing one twice changes
 * nothing, with one exception: a refunded event (it now carries the error that followed
 * the count) replaces its first version, whichever of the two arrives first.
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
          setWhere: sql`excluded.error IS NOT NULL AND ${downloadEvents.error} IS NULL`,
        }),
    ),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * The events among `events` that D1 does not hold in their latest version: missing, or
 * stored before their refund. A read, so confirming a delivered outbox takes no write.
 */
export async function eventsMissingFromLog(d1: D1Database, events: readonly DownloadEvent[]): Promise<DownloadEvent[]> {
  if (events.length === 0) return [];
  const stored = await drizzle(d1)
    .select({ id: downloadEvents.id, error: downloadEvents.error })
    .from(downloadEvents)
    .where(
      inArray(
        downloadEvents.id,
        events.map((e) => e.id),
      ),
    );
  const storedError = new Map(stored.map((row) => [row.id, row.error]));
  return events.filter((e) => !storedError.has(e.id) || (e.error !== null && storedError.get(e.id) === null));
}
