import { DurableObject } from "cloudflare:workers";
import { eventsMissingFromLog, writeDownloadLog } from "../db/downloadLog.ts";
import { orderStatusOfLink } from "../db/orderStatusOfLink.ts";
import type { LinkStateMirror } from "../db/mirrorLinkState.ts";
import type { Env } from "../env.ts";
import { ERROR_STATUS } from "../http/HttpError.ts";
import { decideAccess, type AccessRequest, type LinkState, type Refusal } from "../policy/decideAccess.ts";
import type { DownloadEvent, DownloadOutcome, NotCountedReason } from "./DownloadEvent.ts";
import type { Claims } from "../token/claims.ts";
import { LinkClaimsMemory } from "./LinkClaimsMemory.ts";
import { LinkStorage, type LinkIdentity } from "./linkStorage.ts";
import { Outbox } from "./Outbox.ts";
import { ScannerPasses } from "./scannerPasses.ts";

/** What the Worker knows about a request when it asks the link for a decision. */
export interface AdmitRequest extends Omit<AccessRequest, "now"> {
  link: LinkIdentity & { orderNumber: string | null };
  /** Facts for the download log. */
  log: { ip: string | null; userAgent: string | null; country: string | null; range: string | null };
  /** Status and Content-Length the answer will have if admitted. */
  plannedStatus: number;
  plannedBytes: number;
  /**
   * Set when the Worker has already decided that this request is answered without
   * counting (a prefetch, a preview card, a scanner pass, a confirmation page).
   */
  uncounted?: NotCountedReason;
  /**
   * Set when the request looks like a mail scanner (rule 4a): a download it would count is
   * served uncounted while the link has used fewer than this many scanner passes.
   */
  scannerPasses?: number;
}

/** `event` is the request's entry in the download log; `mirror` the link's new state, when it changed. */
export type AdmitResult =
  | {
      ok: true;
      counted: boolean;
      resume: boolean;
      grantId: number | null;
      event: DownloadEvent;
      mirror: LinkStateMirror | null;
    }
  | { ok: false; reason: Refusal; event: DownloadEvent; mirror: null };

/**
 * The link's state as plain data (RPC-serialisable). `lastCountedAt` is the newest
 * counted download of any device (for listings), not a resume right.
 */
export type LinkSnapshot = Omit<LinkState, "devices" | "deviceLastCountedAt"> & {
  lastCountedAt: number | null;
  deviceCount: number;
  version: number;
};

/** How a response body ended, as the Worker saw it (src/files/deliveryBody.ts). */
export interface DeliveryReport {
  /** The request's event as `admit` returned it. */
  event: DownloadEvent;
  /** The download `admit` took for it, or null when it was not counted. */
  grantId: number | null;
  bytesSent: number;
  outcome: DownloadOutcome;
  /** The source (R2, an origin) failed mid-body: the client did not cause the abort. */
  failed: boolean;
  /** An abort with fewer bytes written than this gives the download back (rule 4). */
  refundBelowBytes: number;
}

/** The event's final version and, when the count changed, the link's new state. */
export interface FinishResult {
  event: DownloadEvent;
  refunded: boolean;
  mirror: LinkStateMirror | null;
}

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
/** Retries after failed confirmations wait 2 s, 4 s, 8 s … up to 5 minutes. */
const RETRY_BASE_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * One Durable Object per download link (docs/CONTRACT.md §1): the single place where a link's
 * count lives, so concurrent requests from anywhere are serialised and never exceed the
 * limit. It also holds the store's overrides and the outbox of download events.
 */
export class DownloadLink extends DurableObject<Env> {
  private readonly store: LinkStorage;
  private readonly outbox: Outbox;
  private readonly scannerPasses: ScannerPasses;
  private readonly claims: LinkClaimsMemory;
  private alarmPending = false;
  private flushFailures = 0;
  /** True once the link knows its order is not pending: from then on admit() asks D1 nothing. */
  private orderSettled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStorage(ctx.storage.sql);
    this.outbox = new Outbox(ctx.storage.sql);
    this.scannerPasses = new ScannerPasses(ctx.storage.sql);
    this.claims = new LinkClaimsMemory(ctx.storage.sql);
  }

  /**
   * Decides one request and, when it counts, takes the download. On the link's first use,
   * and on each request while its order is pending, the order's status is read from D1
   * first (the order calls touch no link object, so that the customer's first request
   * creates it near them); otherwise no D1 read and no await before the decision.
   */
  admit(request: AdmitRequest): AdmitResult | Promise<AdmitResult> {
    if (this.orderSettled || !this.store.needsOrderStatus()) {
      this.orderSettled = true;
      return this.decide(request);
    }
    return this.learnOrderThenDecide(request);
  }

  /**
   * If D1 cannot answer, a link that names an order (`ord`, as every link the issuer API
   * mints does) is refused for now — 503 `unavailable`, logged, and the next request asks
   * again — because deciding without the status would open a pending
   * (unpaid) order's link. A link that names no order has no order status to miss, and is
   * decided on what the object holds: a D1 outage must not stop downloads
   * (docs/CONTRACT.md §6 rule 7), and links already in use never read D1 here.
   */
  private async learnOrderThenDecide(request: AdmitRequest): Promise<AdmitResult> {
    try {
      const status = await orderStatusOfLink(this.env.DB, request.link.tenantId, request.link.linkId);
      this.store.learnOrderStatus(status);
      this.orderSettled = status !== "pending";
    } catch (error) {
      console.warn(`link ${request.link.linkId}: could not read its order's status`, error);
      if (request.link.orderNumber !== null) return this.decide(request, "unavailable");
    }
    return this.decide(request);
  }

  /**
   * The decision and, when it counts, the download taken — in one synchronous step, so
   * there is no await between reading the count and writing it.
   */
  protected decide(request: AdmitRequest, refuseWith?: Refusal): AdmitResult {
    const now = Date.now();
    this.store.rememberIdentity(request.link);
    this.claims.remember(request.claims);
    const state = this.store.state(request.device, request.claims.dev !== undefined);
    const sendsBody = request.sendsBody && request.uncounted === undefined;
    const decision = refuseWith
      ? { ok: false as const, reason: refuseWith }
      : decideAccess({ ...request, sendsBody, now }, state);
    // Rule 4a: a scanner's download is served without counting while passes remain.
    const scannerPass =
      decision.ok &&
      decision.counted &&
      request.scannerPasses !== undefined &&
      this.scannerPasses.take(request.scannerPasses);
    const grantId = decision.ok && decision.counted && !scannerPass ? this.store.count(now, request.device) : null;
    // Bytes go out on the strength of this device's counted download: from now on that
    // download is not refundable, whatever its own connection does (rule 4).
    if (decision.ok && decision.resume && request.sendsBody) this.store.markRelied(request.device);
    const bodyless = !decision.ok || !request.sendsBody;
    const event: DownloadEvent = {
      id: crypto.randomUUID(),
      tenantId: request.link.tenantId,
      linkId: request.link.linkId,
      fileId: request.link.fileId,
      orderNumber: request.link.orderNumber,
      at: now,
      ...request.log,
      status: decision.ok ? request.plannedStatus : ERROR_STATUS[decision.reason],
      bytes: decision.ok ? request.plannedBytes : 0,
      bytesSent: bodyless ? 0 : null,
      outcome: null,
      counted: grantId !== null,
      reason:
        !decision.ok || grantId !== null
          ? null
          : (request.uncounted ?? (scannerPass ? "scanner" : decision.resume ? "resume" : "no_body")),
      device: request.device,
      error: decision.ok ? null : decision.reason,
    };
    this.record(event);
    if (!decision.ok) return { ok: false, reason: decision.reason, event, mirror: null };
    // The count just taken, as the state query would now read it (no second query).
    const mirror =
      grantId === null
        ? null
        : {
            tenantId: request.link.tenantId,
            linkId: request.link.linkId,
            state: {
              count: state.count + 1,
              lastCountedAt: now,
              version: state.version + 1,
              revoked: state.revoked,
              limitOverride: state.limitOverride,
              extraDownloads: state.extraDownloads,
              expiresAtOverride: state.expiresAtOverride,
            },
          };
    return { ok: true, counted: grantId !== null, resume: decision.resume, grantId, event, mirror };
  }

  /**
   * docs/CONTRACT.md §6 rule 4: the file could not be served after all, so the download is given
   * back, and the request's log entry is replaced by `correctedEvent` (same id).
   */
  refund(grantId: number, correctedEvent: DownloadEvent): LinkSnapshot {
    // A grant a resume relied on stays counted (the resume's bytes went out on its strength).
    this.store.refund(grantId);
    this.record(correctedEvent);
    return this.snapshot();
  }

  /**
   * docs/CONTRACT.md §6 rules 4 and 7: the response body of an admitted request has ended. The
   * event is rewritten with the bytes written and the outcome; a counted download whose
   * client went away before `refundBelowBytes` (or whose source failed) is given back,
   * unless a resume already relied on it. Only this object changes the count, so a
   * request at the limit is refused until the refund has landed, never over-served.
   */
  finish(report: DeliveryReport): FinishResult {
    const early = report.outcome === "aborted" && (report.failed || report.bytesSent < report.refundBelowBytes);
    const refunded = report.grantId !== null && early && this.store.refund(report.grantId);
    const event: DownloadEvent = {
      ...report.event,
      bytesSent: report.bytesSent,
      outcome: report.outcome,
      ...(refunded ? { counted: false, reason: "refunded" as const } : {}),
    };
    this.record(event);
    return { event, refunded, mirror: refunded ? (this.mirror()[0] ?? null) : null };
  }

  snapshot(): LinkSnapshot {
    const { devices: _none, deviceLastCountedAt: _device, ...rest } = this.store.state(null, false);
    return { ...rest, deviceCount: this.store.deviceCount() };
  }

  // Store overrides (issuer API). They win over the token's claims from the next request on.
  setRevoked(revoked: boolean): LinkSnapshot {
    this.store.setRevoked(revoked);
    return this.snapshot();
  }

  setPending(pending: boolean): LinkSnapshot {
    this.store.setPending(pending);
    return this.snapshot();
  }

  setLimit(limit: number | null): LinkSnapshot {
    this.store.setLimitOverride(limit);
    return this.snapshot();
  }

  addDownloads(extra: number): LinkSnapshot {
    this.store.addDownloads(extra);
    return this.snapshot();
  }

  /** New expiry in Unix seconds, or null to fall back to the token's `exp`. */
  setExpiry(expiresAt: number | null): LinkSnapshot {
    this.store.setExpiryOverride(expiresAt);
    return this.snapshot();
  }

  reset(): LinkSnapshot {
    this.store.reset();
    this.scannerPasses.reset();
    return this.snapshot();
  }

  /**
   * Who this link is and the claims of its newest token, once a request has reached it;
   * null for an object no request ever reached. For links the issuer API did not create.
   */
  knownLink(): { identity: LinkIdentity; claims: Claims | null; state: LinkSnapshot } | null {
    const identity = this.store.identity();
    return identity ? { identity, claims: this.claims.recall(), state: this.snapshot() } : null;
  }

  /** Events not yet written to D1 (for operators and tests). */
  pendingEvents(): number {
    return this.outbox.size();
  }

  private record(event: DownloadEvent): void {
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
   * Confirms the outbox against D1: events D1 already holds (the Worker's batched write)
   * leave the outbox after one read; the rest, and the link's state mirror, are written
   * here first. On failure every event stays and the alarm tries again later, without end.
   */
  override async alarm(): Promise<void> {
    this.alarmPending = false;
    try {
      for (let batch = this.outbox.oldest(CONFIRM_BATCH); batch.length > 0; batch = this.outbox.oldest(CONFIRM_BATCH)) {
        const missing = await eventsMissingFromLog(
          this.env.DB,
          batch.map((entry) => entry.event),
        );
        if (missing.length > 0) await writeDownloadLog(this.env.DB, missing, this.mirror());
        this.outbox.removeUnchanged(batch);
      }
      this.flushFailures = 0;
    } catch (error) {
      this.flushFailures += 1;
      const delay = Math.min(RETRY_BASE_MS * 2 ** this.flushFailures, MAX_BACKOFF_MS);
      console.warn(`download log confirmation failed (${this.flushFailures}x); retrying in ${delay} ms`, error);
      this.alarmPending = true;
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }

  /** The link's current state for D1's listing copy, once the link knows who it is. */
  private mirror(): LinkStateMirror[] {
    const identity = this.store.identity();
    return identity ? [{ tenantId: identity.tenantId, linkId: identity.linkId, state: this.snapshot() }] : [];
  }
}
