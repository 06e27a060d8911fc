import { DurableObject } from "cloudflare:workers";
import { orderStatusOfLink } from "../db/orderStatusOfLink.ts";
import { siteNetwork } from "../policy/clientAddress.ts";
import type { Env } from "../env.ts";
import type { Refusal } from "../policy/decideAccess.ts";
import type { Claims } from "../token/claims.ts";
import { admitNow, recordRefused, type AdmissionParts } from "./admission.ts";
import { finalEvent, mayRefund } from "./deliveryOutcome.ts";
import { LinkClaimsMemory } from "./LinkClaimsMemory.ts";
import { limitBase, limitBreach, type ChangeResult, type LinkChange } from "./linkChange.ts";
import { linkFlaggedEvent } from "./linkFlaggedEvent.ts";
import { LinkStorage } from "./linkStorage.ts";
import { LinkWebhooks } from "./linkWebhooks.ts";
import { hashNetwork } from "./networkHash.ts";
import { SharingWatch } from "./sharingWatch.ts";
import type {
  AdmitRequest,
  AdmitResult,
  DeliveryReport,
  DownloadEvent,
  FinishResult,
  LinkErasure,
  LinkIdentity,
  LinkSnapshot,
  LinkStateMirror,
  WorkerRefusal,
} from "./linkTypes.ts";
import { LogConfirmation } from "./logConfirmation.ts";
import { ScannerPasses } from "./scannerPasses.ts";

// The RPC shapes live in linkTypes.ts; re-exported for callers that import them from here.
export type { AdmitRequest, AdmitResult, DeliveryReport, FinishResult, LinkSnapshot } from "./linkTypes.ts";

/**
 * One Durable Object per download link (docs/CONTRACT.md §1): the single place where a link's
 * count lives, so concurrent requests from anywhere are serialised and never exceed the
 * limit. It also holds the store's overrides and the outbox of download events. A thin
 * shell: the decision is admission.ts, the storage linkStorage.ts, the log's confirmation
 * logConfirmation.ts.
 */
export class DownloadLink extends DurableObject<Env> {
  private readonly store: LinkStorage;
  private readonly log: LogConfirmation;
  private readonly webhooks: LinkWebhooks;
  private readonly scannerPasses: ScannerPasses;
  private readonly parts: AdmissionParts;
  /** True once the link knows its order is not pending: from then on admit() asks D1 nothing. */
  private orderSettled = false;
  /** Bumped by each hold or release call, so an order read from D1 before it cannot undo it. */
  private holdCalls = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStorage(ctx.storage.sql);
    this.webhooks = new LinkWebhooks(ctx.storage.sql);
    this.log = new LogConfirmation(
      ctx,
      () => this.env,
      () => this.mirror(),
      this.webhooks,
    );
    this.scannerPasses = new ScannerPasses(ctx.storage.sql);
    this.parts = {
      store: this.store,
      claims: new LinkClaimsMemory(ctx.storage.sql),
      scannerPasses: this.scannerPasses,
      sharing: new SharingWatch(ctx.storage.sql),
      record: (event) => this.log.record(event),
      // Owed durably in the admission's own step (the alarm the request's event sets sends it
      // if this instance is gone first), then sent after the response, never on its path.
      flagged: (link, flag) => {
        this.webhooks.owe(link.tenantId, [linkFlaggedEvent(link, flag)]);
        ctx.waitUntil(this.webhooks.send(this.env));
      },
      exhausted: (eventId, exhaustion) => this.webhooks.noteExhaustion(eventId, exhaustion),
    };
  }

  /**
   * Decides one request and, when it counts, takes the download. On the link's first use,
   * and on each request while its order is pending, the order's status is read from D1
   * first (the order calls touch no link object, so that the customer's first request
   * creates it near them); otherwise no D1 read and no await before the decision.
   */
  admit(request: AdmitRequest): AdmitResult | Promise<AdmitResult> {
    // Sharing detection keeps the client's network as a keyed hash (networkHash.ts); it is
    // computed first, so the decision itself stays one synchronous step.
    const network = request.sharing && request.sendsBody ? siteNetwork(request.clientIp) : null;
    if (network !== null) {
      const { tenantId, linkId } = request.link;
      return hashNetwork(this.env.MASTER_KEY, tenantId, linkId, network).then((hash) => this.admitFrom(request, hash));
    }
    return this.admitFrom(request, null);
  }

  private admitFrom(request: AdmitRequest, networkHash: string | null): AdmitResult | Promise<AdmitResult> {
    if (this.orderSettled || !this.store.needsOrderStatus()) {
      this.orderSettled = true;
      return this.decide(request, undefined, networkHash);
    }
    return this.learnOrderThenDecide(request, networkHash);
  }

  /**
   * If D1 cannot answer, a link that names an order (`ord`, as every link the issuer API
   * mints does) is refused for now — 503 `unavailable`, logged, and the next request asks
   * again — because deciding without the status would open a pending
   * (unpaid) order's link. A link that names no order has no order status to miss, and is
   * decided on what the object holds: a D1 outage must not stop downloads
   * (docs/CONTRACT.md §6 rule 7), and links already in use never read D1 here.
   */
  private async learnOrderThenDecide(request: AdmitRequest, networkHash: string | null): Promise<AdmitResult> {
    const holdCalls = this.holdCalls;
    try {
      const order = await orderStatusOfLink(this.env.DB, request.link.tenantId, request.link.linkId);
      // A hold or release that arrived during the read is newer than what the read saw.
      this.store.learnOrderStatus(order?.status ?? null, holdCalls === this.holdCalls ? (order?.held ?? null) : null);
      this.orderSettled = order?.status !== "pending";
    } catch (error) {
      console.warn(`link ${request.link.linkId}: could not read its order's status`, error);
      if (request.link.orderNumber !== null) return this.decide(request, "unavailable", networkHash);
    }
    return this.decide(request, undefined, networkHash);
  }

  /** Records a request the Worker refused before asking (admission.ts `recordRefused`). */
  recordRefusal(request: AdmitRequest, refusal: WorkerRefusal): DownloadEvent {
    return recordRefused(this.parts, request, refusal);
  }

  /** The decision in one synchronous step (admission.ts). */
  protected decide(request: AdmitRequest, refuseWith?: Refusal, networkHash: string | null = null): AdmitResult {
    return admitNow(this.parts, request, refuseWith, networkHash);
  }

  /**
   * docs/CONTRACT.md §6 rule 4: the file could not be served after all, so the download is given
   * back, and the request's log entry is replaced by `correctedEvent` (same id).
   */
  refund(grantId: number, correctedEvent: DownloadEvent): LinkSnapshot {
    // A grant a resume relied on stays counted (the resume's bytes went out on its strength).
    this.store.refund(grantId);
    this.parts.record(correctedEvent);
    return this.snapshot();
  }

  /**
   * docs/CONTRACT.md §6 rules 4 and 7: the response body of an admitted request ended early
   * (reportDelivery.ts calls only when `mayRefund`). A counted download whose client went
   * away before `refundBelowBytes` (or whose source failed) is given back, unless a resume
   * already relied on it, and the event is rewritten with the bytes written and the
   * outcome. Only this object changes the count, so a request at the limit is refused
   * until the refund has landed, never over-served.
   */
  finish(report: DeliveryReport): FinishResult {
    // A client's early abort is charged against the link's refund budget; a source failure is not.
    const abort = report.failed
      ? undefined
      : { chargeBytes: report.refundChargeBytes, budgetBytes: report.refundBudgetBytes };
    const refunded = mayRefund(report) && this.store.refund(report.grantId, abort);
    const event = finalEvent(report, refunded);
    this.parts.record(event);
    return { event, refunded, mirror: refunded ? (this.mirror()[0] ?? null) : null };
  }

  /**
   * The final version of an event whose body ended without a refund, handed back by the
   * Worker when its D1 write failed (downloadLogBatch.ts): the outbox keeps it until the
   * alarm has written it, so a D1 outage loses no `bytes_sent` or `outcome`.
   */
  keepFinalEvent(event: DownloadEvent): void {
    this.parts.record(event);
  }

  snapshot(): LinkSnapshot {
    const {
      devices: _none,
      deviceLastCountedAt: _device,
      storedClaims: _claims,
      ...rest
    } = this.store.state(null, false);
    return { ...rest, deviceCount: this.store.deviceCount(), flagged: this.parts.sharing.flag() };
  }

  // Store overrides (issuer API). They win over the token's claims from the next request on.
  setRevoked(revoked: boolean): LinkSnapshot {
    this.store.setRevoked(revoked);
    return this.snapshot();
  }

  /** Its order is held for review or released (src/orders/orderHold.ts): obeyed from the next request. */
  setHeld(held: boolean): LinkSnapshot {
    this.holdCalls += 1;
    this.store.setHeld(held);
    return this.snapshot();
  }

  setPending(pending: boolean): LinkSnapshot {
    this.store.setPending(pending);
    return this.snapshot();
  }

  /**
   * A store's change (`PATCH /links/:id`, linkChange.ts), checked against this object's
   * state and applied in one transaction: checked here, not in the Worker, because only
   * here can no other change land between the check and the write. `grantLimit` is the
   * grant's `download_limit` as the issuer API stored it; left out (a link the store signed
   * itself), it is the `lim` of the newest token this object remembers, read here too.
   *
   * Extra downloads exist only while the link has a limit: a change of the limit fields
   * that leaves the link without one drops them, and so does one on a link that had none
   * (extra downloads stored there before this rule), so none stays hidden to surface later.
   */
  change(change: LinkChange, grantLimit: number | null = this.parts.claims.recall()?.lim ?? null): ChangeResult {
    const stored = this.store.overrides();
    const touchesLimit = change.limitOverride !== undefined || change.addDownloads !== undefined;
    const hadLimit = limitBase({}, stored, grantLimit) !== null;
    const dropExtra = touchesLimit && (!hadLimit || limitBase(change, stored, grantLimit) === null);
    const from = dropExtra ? { ...stored, extraDownloads: 0 } : stored;
    const breach = limitBreach(change, from, grantLimit);
    if (breach) return { ok: false, breach };
    this.ctx.storage.transactionSync(() => {
      if (change.limitOverride !== undefined) this.store.setLimitOverride(change.limitOverride);
      if (dropExtra && stored.extraDownloads !== 0) this.store.dropExtraDownloads();
      if (change.addDownloads !== undefined) this.store.addDownloads(change.addDownloads);
      if (change.expiresAtOverride !== undefined) this.store.setExpiryOverride(change.expiresAtOverride);
      if (change.revoked !== undefined) this.store.setRevoked(change.revoked);
      if (change.suspended !== undefined) {
        this.store.setSuspended(change.suspended);
        if (!change.suspended) this.parts.sharing.clear();
      }
    });
    return { ok: true, state: this.snapshot() };
  }

  reset(): LinkSnapshot {
    this.store.reset();
    this.scannerPasses.reset();
    // Starting over includes sharing detection: not blocked, not flagged, nothing seen.
    this.store.setSuspended(false);
    this.parts.sharing.clear();
    return this.snapshot();
  }

  /**
   * GDPR erasure of the link's customer (events/erasePersonalData.ts, which calls this for
   * each of the customer's links before it clears D1): the device ids are replaced by
   * random ones (the device limit's slots stay taken), the remembered token claims name
   * `pseudonym` instead of the customer, the networks and countries sharing detection saw
   * are forgotten, and the events waiting in the outbox lose their address, User-Agent,
   * country and device (in D1 too, once the alarm has run). Count, limit, expiry,
   * revocation, restrictions and flags are kept.
   */
  async erasePersonalData(pseudonym: string): Promise<LinkErasure> {
    const erased = this.ctx.storage.transactionSync(() => {
      this.parts.sharing.forgetSeen();
      return { devices: this.store.pseudonymiseDevices(), claims: this.parts.claims.pseudonymise(pseudonym) };
    });
    return { ...erased, pendingEvents: await this.log.forgetPersonalData() };
  }

  /**
   * Who this link is and the claims of its newest token, once a request has reached it;
   * null for an object no request ever reached. For links the issuer API did not create.
   */
  knownLink(): { identity: LinkIdentity; claims: Claims | null; state: LinkSnapshot } | null {
    const identity = this.store.identity();
    return identity ? { identity, claims: this.parts.claims.recall(), state: this.snapshot() } : null;
  }

  /** Events not yet written to D1 (for operators and tests). */
  pendingEvents(): number {
    return this.log.pending();
  }

  /** Confirms the outbox against D1 (logConfirmation.ts). */
  override async alarm(): Promise<void> {
    await this.log.confirm();
  }

  /** The link's current state for D1's listing copy, once the link knows who it is. */
  private mirror(): LinkStateMirror[] {
    const identity = this.store.identity();
    return identity ? [{ tenantId: identity.tenantId, linkId: identity.linkId, state: this.snapshot() }] : [];
  }
}
