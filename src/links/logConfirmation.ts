import { clearEventPersonalData, eventsMissingFromLog, writeDownloadLog } from "../db/downloadLog.ts";
import type { Env } from "../env.ts";
import { downloadWebhookEvents } from "../webhooks/downloadWebhooks.ts";
import type { DownloadEvent, LinkStateMirror } from "./linkTypes.ts";
import type { LinkWebhooks } from "./linkWebhooks.ts";
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
  /**
   * When the alarm is set for (Unix ms), or null when none is. Read from storage once per
   * instance (the constructor's blockConcurrencyWhile), not assumed unset: an instance
   * that wakes up with an alarm already pending (a 2 s retry after a D1 failure, a
   * confirmation due in a minute) must not replace it with a later one, or a link used
   * every few minutes would push its alarm ahead forever and never confirm its outbox.
   */
  private alarmAt: number | null = null;
  private failures = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    /** Read at each confirmation, not kept: the object's env is the one source (tests swap it). */
    private readonly env: () => Env,
    /** The link's current state for D1's listing copy (empty until the link knows who it is). */
    private readonly mirror: () => LinkStateMirror[],
    /** The webhooks this link owes (linkWebhooks.ts), for the events only this alarm writes. */
    private readonly webhooks: LinkWebhooks,
  ) {
    this.outbox = new Outbox(ctx.storage.sql);
    // Before the first event: record() must know synchronously whether an alarm is pending.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Puts an event (or its new version) in the outbox and makes sure the alarm will confirm it. */
  record(event: DownloadEvent): void {
    this.outbox.put(event);
    if (this.alarmAt !== null) return;
    // Not awaited on purpose: admit() must stay synchronous. The output gate still
    // holds the response until the alarm is durably set.
    this.alarmNoLaterThan(Date.now() + CONFIRM_DELAY_MS + Math.random() * CONFIRM_SPREAD_MS).catch((error: unknown) =>
      console.error("could not schedule the download log confirmation", error),
    );
  }

  /**
   * Sets the alarm for `at`, unless it is already set for then or earlier: an alarm is only
   * ever moved earlier, never later, so no event (nor a retry) waits longer than planned.
   */
  private async alarmNoLaterThan(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    const previous = this.alarmAt;
    this.alarmAt = at;
    try {
      await this.ctx.storage.setAlarm(at);
    } catch (error) {
      // Not set: the next event (or confirmation) tries again.
      if (this.alarmAt === at) this.alarmAt = previous;
      throw error;
    }
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
      this.env().DB,
      erased.map((e) => e.id),
    );
    const settledBefore = Date.now() - LATE_WRITE_MS;
    this.outbox.dropErasedEvents(erased.filter((e) => e.at <= settledBefore).map((e) => e.id));
    if (erased.some((e) => e.at > settledBefore)) await this.alarmNoLaterThan(Date.now() + LATE_WRITE_MS);
  }

  /**
   * Erasure: the waiting events lose their personal data here, and the alarm that confirms
   * them clears it in D1 too (clearErasedEvents). Returns how many events were waiting.
   */
  async forgetPersonalData(): Promise<number> {
    const waiting = this.outbox.forgetPersonalData();
    this.webhooks.forgetPersonalData();
    // An outbox with events has its alarm; this makes sure of it rather than assume it.
    if (waiting > 0) {
      this.alarmAt = await this.ctx.storage.getAlarm();
      await this.alarmNoLaterThan(Date.now() + CONFIRM_DELAY_MS);
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
    // This alarm is spent: an event recorded from here on sets the next one.
    this.alarmAt = null;
    try {
      for (let batch = this.outbox.oldest(CONFIRM_BATCH); batch.length > 0; batch = this.outbox.oldest(CONFIRM_BATCH)) {
        const missing = await eventsMissingFromLog(
          this.env().DB,
          batch.map((entry) => entry.event),
        );
        if (missing.length > 0) {
          // D1 lacks these, so the Worker's writer, which sends the webhooks of what it
          // writes, never had them (its isolate was lost, or its write failed and it
          // handed them here): their webhooks are owed from here. Owed before the write,
          // so a failure in between cannot lose them; a webhook the Worker did send is
          // sent again with the same webhook-id (at least once), never in the normal
          // path, where D1 has every event before this alarm runs.
          for (const event of missing)
            this.webhooks.owe(
              event.tenantId,
              downloadWebhookEvents({ event, exhausted: this.webhooks.exhaustionOf(event.id) }),
            );
          await writeDownloadLog(this.env().DB, missing, this.mirror());
        }
        this.outbox.removeUnchanged(batch);
      }
      this.webhooks.dropSettledExhaustions();
      await this.clearErasedEvents();
      await this.webhooks.send(this.env());
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      const delay = Math.min(RETRY_BASE_MS * 2 ** this.failures, MAX_BACKOFF_MS);
      console.warn(`download log confirmation failed (${this.failures}x); retrying in ${delay} ms`, error);
      // Never later than one an event recorded meanwhile already set.
      await this.alarmNoLaterThan(Date.now() + delay);
    }
  }
}
