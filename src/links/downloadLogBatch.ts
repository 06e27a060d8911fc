import { writeDownloadLog } from "../db/downloadLog.ts";
import type { LinkStateMirror } from "../db/mirrorLinkState.ts";
import type { Env } from "../env.ts";
import { emitDownloadWebhooks, type LinkExhaustion } from "../webhooks/downloadWebhooks.ts";
import type { DownloadEvent } from "./DownloadEvent.ts";
import { linkStub } from "./linkStub.ts";

/** How long an event waits for others to share its D1 write. */
const BATCH_WINDOW_MS = 200;
/** Events per D1 batch: one statement each, well under D1's per-batch limits. */
const MAX_BATCH = 50;
/** A writer stops taking new events after this long (a request's waitUntil is bounded). */
const MAX_WRITER_MS = 10_000;
/**
 * A writer that has not finished after this long is taken for dead: the runtime ends a
 * request's waitUntil 30 s after its response, and a writer cut off there never clears
 * `writerScheduled`, which would leave every later event of the isolate to the alarms.
 */
const DEAD_WRITER_MS = 35_000;

interface Entry {
  event: DownloadEvent;
  /** The link's state after this request, when the request changed it (a counted download, a refund). */
  mirror: LinkStateMirror | null;
  /** Set on a counted download's final version when it used the link up (webhook `link.exhausted`). */
  exhausted?: LinkExhaustion | undefined;
  /**
   * This version exists only here: the link's outbox holds an earlier one (a body that
   * ended without a refund is not reported to the link, reportDelivery.ts). If the D1
   * write fails, or the writer runs out of time before it, it is handed to the link so its
   * alarm writes it later.
   */
  linkLacksFinal?: boolean;
}

/**
 * Events this isolate has been handed and not yet written, per D1 binding (in production
 * there is one; each event goes out through the binding of the request that made it),
 * and whether a writer is already on its way for them.
 */
const waiting = new Map<D1Database, Queue>();

interface Queue {
  /** The environment of the request that opened the queue: its queue binding sends the webhooks. */
  env: Env;
  entries: Entry[];
  /** The waiting entries by event id: a later version of an event replaces its queued one. */
  byId: Map<string, Entry>;
  writerScheduled: boolean;
  /** When the scheduled writer started (Unix ms). */
  writerStartedAt: number;
}

/**
 * The fast path of the download log (docs/CONTRACT.md §6 rule 7). The link's Durable Object has
 * already stored the event in its outbox, in the same transaction as the count; this
 * writes it to D1 within a fraction of a second, batched with the events of every other
 * request this isolate serves meanwhile, so D1 sees one write per batch and not one per
 * download. A failed write only logs a warning: the outbox still holds the event, and
 * the link's confirmation alarm writes whatever D1 does not have.
 *
 * The same writer then queues the webhooks the batch stands for (src/webhooks/): it runs
 * after the response, sees every version of every event, and sends one queue batch per
 * window, so no webhook ever sits on a download's path.
 */
export function logDownloadEvent(ctx: ExecutionContext, env: Env, entry: Entry): void {
  const d1 = env.DB;
  let queue = waiting.get(d1);
  if (!queue)
    waiting.set(d1, (queue = { env, entries: [], byId: new Map(), writerScheduled: false, writerStartedAt: 0 }));
  const queued = queue.byId.get(entry.event.id);
  if (queued) {
    // A short download's final version (bytes written, outcome) usually arrives while its
    // first is still waiting: one row is written, not two.
    queued.event = entry.event;
    queued.exhausted = entry.exhausted ?? queued.exhausted;
    queued.linkLacksFinal = entry.linkLacksFinal === true;
    if (entry.mirror && (!queued.mirror || queued.mirror.state.version < entry.mirror.state.version))
      queued.mirror = entry.mirror;
  } else {
    const own = { ...entry };
    queue.entries.push(own);
    queue.byId.set(entry.event.id, own);
  }
  if (queue.writerScheduled && Date.now() - queue.writerStartedAt < DEAD_WRITER_MS) return;
  // One writer per window, kept alive by the request that opened the window. The others
  // only add plain data to the queue; none awaits a promise of another request's context.
  queue.writerScheduled = true;
  queue.writerStartedAt = Date.now();
  ctx.waitUntil(writeAfterWindow(d1, queue));
}

async function writeAfterWindow(d1: D1Database, queue: Queue) {
  const started = Date.now();
  let leftOver: Entry[];
  try {
    await scheduler.wait(BATCH_WINDOW_MS);
    for (let first = true; queue.entries.length > 0 && Date.now() - started < MAX_WRITER_MS; first = false) {
      // What arrived during the last write waits for its own window (unless a full batch
      // is ready): otherwise a slow D1 turns a steady trickle into one write per event.
      if (!first && queue.entries.length < MAX_BATCH) await scheduler.wait(BATCH_WINDOW_MS);
      const batch = queue.entries.splice(0, MAX_BATCH);
      for (const entry of batch) queue.byId.delete(entry.event.id);
      try {
        await writeDownloadLog(
          d1,
          batch.map((entry) => entry.event),
          latestMirrors(batch),
        );
      } catch (error) {
        console.warn(`download log: ${batch.length} event(s) left to their links' outboxes`, error);
        await handFinalVersionsToLinks(queue.env, batch);
      }
      // Webhooks (src/webhooks/) leave from here: after the response, batched like the log.
      await emitDownloadWebhooks(queue.env, batch);
    }
  } catch (error) {
    // Not expected (each step above catches its own failures); what is queued still goes below.
    console.error("download log: the batched writer failed", error);
  } finally {
    // Out of time with entries still queued (a slow D1): no later request of this isolate
    // is sure to come and write them, and the final versions among them (bytes written,
    // outcome) exist nowhere else. They leave the queue for their links' outboxes, whose
    // alarms write them and send their webhooks (logConfirmation.ts); every other entry's
    // version is in its link's outbox already.
    leftOver = queue.entries.splice(0);
    for (const entry of leftOver) queue.byId.delete(entry.event.id);
    // Cleared before the hand-off's await: what arrives meanwhile gets a writer of its own.
    // An empty queue is dropped, so nothing accumulates per binding object.
    queue.writerScheduled = false;
    if (queue.entries.length === 0 && waiting.get(d1) === queue) waiting.delete(d1);
  }
  if (leftOver.length > 0) {
    console.warn(`download log: writer out of time; ${leftOver.length} event(s) left to their links' outboxes`);
    await handFinalVersionsToLinks(queue.env, leftOver);
  }
}

/**
 * A failed D1 write would leave the final versions that only this isolate holds to be
 * lost: each goes to its link's outbox, which keeps it until the alarm has written it.
 * A fresh stub per link: this writer may run in another request's context than the one
 * that made the event.
 */
async function handFinalVersionsToLinks(env: Env, batch: readonly Entry[]): Promise<void> {
  const handed = await Promise.allSettled(
    batch
      .filter((entry) => entry.linkLacksFinal)
      .map(({ event }) => linkStub(env, event.tenantId, event.linkId).keepFinalEvent(event)),
  );
  const lost = handed.filter((result) => result.status === "rejected");
  if (lost.length > 0) console.error(`download log: ${lost.length} final version(s) reached neither D1 nor their link`);
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
