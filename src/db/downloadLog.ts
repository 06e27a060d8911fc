import { getTableColumns, inArray, type Column } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { NO_PERSONAL_DATA } from "../links/DownloadEvent.ts";
import type { DownloadEvent } from "../links/linkTypes.ts";
import { inChunks } from "./inChunks.ts";
import { mirrorLinkState, toDriver, type LinkStateMirror } from "./mirrorLinkState.ts";
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

/** `download_events` columns by property name, in the schema's order. */
const EVENT_COLUMN_OF = getTableColumns(downloadEvents);
const EVENT_COLUMNS = Object.entries(EVENT_COLUMN_OF) as [keyof DownloadEvent, Column][];
const column = (key: keyof DownloadEvent) => `"${EVENT_COLUMN_OF[key].name}"`;
/** What an event's final version may change. */
const FINAL_KEYS: (keyof DownloadEvent)[] = ["status", "bytes", "bytesSent", "outcome", "counted", "reason", "error"];
const INSERT_EVENT = `INSERT INTO "download_events" (${EVENT_COLUMNS.map(([key]) => column(key)).join(", ")})
  VALUES (${EVENT_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (${column("id")}) DO UPDATE SET ${FINAL_KEYS.map((key) => `${column(key)} = excluded.${column(key)}`).join(", ")}
  WHERE (excluded.${column("outcome")} IS NOT NULL OR excluded.${column("error")} IS NOT NULL)
    AND "download_events".${column("outcome")} IS NULL AND "download_events".${column("error")} IS NULL`;

/**
 * Writes download events, and the link-state mirrors that go with them, in one D1 batch
 * (one transaction). Events are keyed by their own id, so writing one twice changes
 * nothing, with one exception: an event's final version replaces its first, whichever of
 * the two D1 receives first (the Worker's batch and the link's alarm race each other).
 *
 * Prepared statements with the schema's column names, not drizzle queries: this runs for
 * nearly every download, and building the queries with drizzle cost about 0.3 ms of CPU
 * per event (`npm run bench`'s cpu-profile).
 */
export async function writeDownloadLog(
  d1: D1Database,
  events: readonly DownloadEvent[],
  mirrors: readonly LinkStateMirror[] = [],
): Promise<void> {
  const statements = [
    ...mirrors.map((mirror) => mirrorLinkState(d1, mirror)),
    ...events.map((event) =>
      d1.prepare(INSERT_EVENT).bind(...EVENT_COLUMNS.map(([key, column]) => toDriver(column, event[key]))),
    ),
  ];
  if (statements.length > 0) await d1.batch(statements);
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

/**
 * Erasure: clears the address, User-Agent, country and device of these events (ids from a
 * link's outbox, links/Outbox.ts `forgetPersonalData`), the same fields that
 * events/erasePersonalData.ts clears in the customer's older rows.
 */
export async function clearEventPersonalData(d1: D1Database, ids: readonly string[]): Promise<void> {
  await inChunks(ids, async (chunk) => {
    await drizzle(d1).update(downloadEvents).set(NO_PERSONAL_DATA).where(inArray(downloadEvents.id, chunk));
    return [];
  });
}
