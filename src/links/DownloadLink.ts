import { DurableObject } from "cloudflare:workers";
import { orderStatusOfLink } from "../db/orderStatusOfLink.ts";
import type { Env } from "../env.ts";
import type { Refusal } from "../policy/decideAccess.ts";
import type { Claims } from "../token/claims.ts";
import { admitNow, type AdmissionParts } from "./admission.ts";
import { LinkClaimsMemory } from "./LinkClaimsMemory.ts";
import { LinkStorage } from "./linkStorage.ts";
import type {
  AdmitRequest,
  AdmitResult,
  DeliveryReport,
  DownloadEvent,
  FinishResult,
  LinkIdentity,
  LinkSnapshot,
  LinkStateMirror,
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
  private readonly scannerPasses: ScannerPasses;
  private readonly parts: AdmissionParts;
  /** True once the link knows its order is not pending: from then on admit() asks D1 nothing. */
  private orderSettled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStorage(ctx.storage.sql);
    this.log = new LogConfirmation(
      ctx,
      () => this.env.DB,
      () => this.mirror(),
    );
    this.scannerPasses = new ScannerPasses(ctx.storage.sql);
    this.parts = {
      store: this.store,
      claims: new LinkClaimsMemory(ctx.storage.sql),
      scannerPasses: this.scannerPasses,
      record: (event) => this.log.record(event),
    };
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

  /** The decision in one synchronous step (admission.ts). */
  protected decide(request: AdmitRequest, refuseWith?: Refusal): AdmitResult {
    return admitNow(this.parts, request, refuseWith);
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
    this.parts.record(event);
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
