import { clearEventPersonalData, eventsMissingFromLog, writeDownloadLog } from "../db/downloadLog.ts";
import type { DownloadEvent, LinkStateMirror } from "./linkTypes.ts";
import { Outbox } from "./Outbox.ts";

/**
 * The Worker writes each event to D1 within a second (downloadLogBatch.ts); the link
 * checks 5–10 minutes after its first unconfirmed event that D1 really has them. Long
 * enough that a busy link confirms hundreds of events per wake-up instead of a few, short
 * enough that an event whose batch write failed still reaches the log within minutes.
 * The spread keeps the links of a burst (a launch, a mailing) from all waking together.
 */
const CONFIRM_DELAY_MS = 5 * 60_000;
const CONFIRM_SPREAD_MS = 5 * 60_000;
const CONFIRM_BATCH = 50;
/** Far longer than the Worker's batched write of an event may take (downloadLogBatch.ts: ≤ 10 s). */
const LATE_WRITE_MS = 60_000;
/** Retries after failed confirmations wait 2 s, 4 s, 8 s … up to 5 minutes. */
const RETRY_BASE_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * The link's side of the download log (docs/CONTRACT.md §6 rule 7): every event goes into
 * the outbox in the same step as the count, and the object's alarm later confirms the
 * outbox against D1. One per Durable Object instance.
 */
export class LogConfirmation {
  private readonly outbox: Outbox;
  private alarmPending = false;
  private failures = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    /** Read at each confirmation, not kept: the object's env is the one source (tests swap it). */
    private readonly db: () => D1Database,
    /** The link's current state for D1's listing copy (empty until the link knows who it is). */
    private readonly mirror: () => LinkStateMirror[],
  ) {
    this.outbox = new Outbox(ctx.storage.sql);
  }

  /** Puts an event (or its new version) in the outbox and makes sure the alarm will confirm it. */
  record(event: DownloadEvent): void {
    this.outbox.put(event);
    if (this.alarmPending) return;
    this.alarmPending = true;
    // Not awaited on purpose: admit() must stay synchronous. The output gate still
    // holds the response until the alarm is durably set.
    this.ctx.storage
      .setAlarm(Date.now() + CONFIRM_DELAY_MS + Math.random() * CONFIRM_SPREAD_MS)
      .catch((error: unknown) => {
        this.alarmPending = false;
        console.error("could not schedule the download log confirmation", error);
      });
  }

  /**
   * After the events themselves: an erased event's row in D1 may have come from the
   * Worker's own write, so its personal fields are cleared by id at every confirmation
   * until the event is LATE_WRITE_MS old; by then that write has landed or failed (a failed
   * one hands the event to this outbox, where the loop above writes it).
   */
  private async clearErasedEvents(): Promise<void> {
    const erased = this.outbox.erasedEvents();
    if (erased.length === 0) return;
    await clearEventPersonalData(
      this.db(),
      erased.map((e) => e.id),
    );
    const settledBefore = Date.now() - LATE_WRITE_MS;
    this.outbox.dropErasedEvents(erased.filter((e) => e.at <= settledBefore).map((e) => e.id));
    if (erased.some((e) => e.at > settledBefore)) {
      this.alarmPending = true;
      await this.ctx.storage.setAlarm(Date.now() + LATE_WRITE_MS);
    }
  }

  /**
   * Erasure: the waiting events lose their personal data here, and the alarm that confirms
   * them clears it in D1 too (clearErasedEvents). Returns how many events were waiting.
   */
  async forgetPersonalData(): Promise<number> {
    const waiting = this.outbox.forgetPersonalData();
    // An outbox with events has its alarm; this makes sure of it rather than assume it.
    if (waiting > 0 && (await this.ctx.storage.getAlarm()) === null) {
      this.alarmPending = true;
      await this.ctx.storage.setAlarm(Date.now() + CONFIRM_DELAY_MS);
    }
    return waiting;
  }

  /** Events not yet written to D1. */
  pending(): number {
    return this.outbox.size();
  }

  /**
   * The alarm: events D1 already holds (the Worker's batched write) leave the outbox after
   * one read; the rest, and the link's state mirror, are written here first. On failure
   * every event stays and the alarm tries again later, without end.
   */
  async confirm(): Promise<void> {
    this.alarmPending = false;
    try {
      for (let batch = this.outbox.oldest(CONFIRM_BATCH); batch.length > 0; batch = this.outbox.oldest(CONFIRM_BATCH)) {
        const missing = await eventsMissingFromLog(
          this.db(),
          batch.map((entry) => entry.event),
        );
        if (missing.length > 0) await writeDownloadLog(this.db(), missing, this.mirror());
        this.outbox.removeUnchanged(batch);
      }
      await this.clearErasedEvents();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      const delay = Math.min(RETRY_BASE_MS * 2 ** this.failures, MAX_BACKOFF_MS);
      console.warn(`download log confirmation failed (${this.failures}x); retrying in ${delay} ms`, error);
      this.alarmPending = true;
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }
}
