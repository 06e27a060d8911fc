import { writeDownloadLog } from "../db/downloadLog.ts";
import type { LinkStateMirror } from "../db/mirrorLinkState.ts";
import type { DownloadEvent } from "./DownloadEvent.ts";

/** How long an event waits for others to share its D1 write. */
const BATCH_WINDOW_MS = 200;
/** Events per D1 batch: one statement each, well under D1's per-batch limits. */
const MAX_BATCH = 50;

interface Entry {
  event: DownloadEvent;
  /** The link's state after this request, when the request changed it (a counted download, a refund). */
  mirror: LinkStateMirror | null;
}

/**
 * Events this isolate has been handed and not yet written, per D1 binding (in production
 * there is one; each event goes out through the binding of the request that made it).
 */
const waiting = new Map<D1Database, Entry[]>();

/**
 * The fast path of the download log (DESIGN.md §6 rule 7). The link's Durable Object has
 * already stored the event in its outbox, in the same transaction as the count; this
 * writes it to D1 within a fraction of a second, batched with the events of every other
 * request this isolate serves meanwhile, so D1 sees one write per batch and not one per
 * download. A failed write only logs a warning: the outbox still holds the event, and
 * the link's confirmation alarm writes whatever D1 does not have.
 */
export function logDownloadEvent(ctx: ExecutionContext, d1: D1Database, entry: Entry): void {
  const queue = waiting.get(d1);
  if (queue) queue.push(entry);
  else waiting.set(d1, [entry]);
  // Each request waits on its own timer (a promise from another request's context must
  // not be awaited); the first timer to fire writes everything waiting, the rest find
  // little or nothing left.
  ctx.waitUntil(writeAfterWindow(d1));
}

async function writeAfterWindow(d1: D1Database): Promise<void> {
  if ((waiting.get(d1)?.length ?? 0) < MAX_BATCH) await scheduler.wait(BATCH_WINDOW_MS);
  for (let queue = waiting.get(d1); queue && queue.length > 0; queue = waiting.get(d1)) {
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length === 0) waiting.delete(d1);
    try {
      await writeDownloadLog(
        d1,
        batch.map((entry) => entry.event),
        latestMirrors(batch),
      );
    } catch (error) {
      console.warn(`download log: ${batch.length} event(s) left to their links' outboxes`, error);
    }
  }
}

/** One mirror per link: its newest state (the highest version) in the batch. */
function latestMirrors(batch: readonly Entry[]): LinkStateMirror[] {
  const newest = new Map<string, LinkStateMirror>();
  for (const { mirror } of batch) {
    if (!mirror) continue;
    const key = `${mirror.tenantId}/${mirror.linkId}`;
    const known = newest.get(key);
    if (!known || known.state.version < mirror.state.version) newest.set(key, mirror);
  }
  return [...newest.values()];
}
