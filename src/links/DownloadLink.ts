import { DurableObject } from "cloudflare:workers";
import { flushLinkOutbox } from "../db/flushLinkOutbox.ts";
import type { Env } from "../env.ts";
import { ERROR_STATUS } from "../http/HttpError.ts";
import { decideAccess, type AccessRequest, type LinkState, type Refusal } from "../policy/decideAccess.ts";
import type { DownloadEvent } from "./DownloadEvent.ts";
import { LinkStorage, type LinkIdentity } from "./linkStorage.ts";
import { Outbox } from "./Outbox.ts";

/** What the Worker knows about a request when it asks the link for a decision. */
export interface AdmitRequest extends Omit<AccessRequest, "now"> {
  link: LinkIdentity & { orderNumber: string | null };
  /** Facts for the download log. */
  log: { ip: string | null; userAgent: string | null; country: string | null; range: string | null };
  /** Status and Content-Length the answer will have if admitted. */
  plannedStatus: number;
  plannedBytes: number;
}

export type AdmitResult =
  | { ok: true; counted: boolean; resume: boolean; grantId: number | null; eventId: string }
  | { ok: false; reason: Refusal; eventId: string };

/** The link's state as plain data (RPC-serialisable). */
export type LinkSnapshot = Omit<LinkState, "devices"> & { deviceCount: number; version: number };

const FLUSH_DELAY_MS = 1_000;
const FLUSH_BATCH = 50;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * One Durable Object per download link (DESIGN.md §1): the single place where a link's
 * count lives, so concurrent requests from anywhere are serialised and never exceed the
 * limit. It also holds the store's overrides and the outbox of download events.
 */
export class DownloadLink extends DurableObject<Env> {
  private readonly store: LinkStorage;
  private readonly outbox: Outbox;
  private alarmPending = false;
  private flushFailures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStorage(ctx.storage.sql);
    this.outbox = new Outbox(ctx.storage.sql);
  }

  /**
   * Decides one request and, when it counts, takes the download — in one synchronous
   * step, so there is no await between reading the count and writing it.
   */
  admit(request: AdmitRequest): AdmitResult {
    const now = Date.now();
    this.store.rememberIdentity(request.link);
    const decision = decideAccess({ ...request, now }, this.store.state(request.claims.dev !== undefined));
    const grantId = decision.ok && decision.counted ? this.store.count(now, request.device) : null;
    const eventId = crypto.randomUUID();
    this.record({
      id: eventId,
      tenantId: request.link.tenantId,
      linkId: request.link.linkId,
      fileId: request.link.fileId,
      orderNumber: request.link.orderNumber,
      at: now,
      ...request.log,
      status: decision.ok ? request.plannedStatus : ERROR_STATUS[decision.reason],
      bytes: decision.ok ? request.plannedBytes : 0,
      counted: grantId !== null,
      device: request.device,
      error: decision.ok ? null : decision.reason,
    });
    return decision.ok
      ? { ok: true, counted: grantId !== null, resume: decision.resume, grantId, eventId }
      : { ok: false, reason: decision.reason, eventId };
  }

  /** DESIGN.md §6 rule 4: the file could not be served after all, so the download is given back. */
  refund(grantId: number, eventId: string, status: number, error: string): LinkSnapshot {
    this.store.refund(grantId);
    this.outbox.amend(eventId, { status, bytes: 0, counted: false, error });
    return this.snapshot();
  }

  snapshot(): LinkSnapshot {
    const { devices: _none, ...rest } = this.store.state(false);
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
    return this.snapshot();
  }

  /** Events not yet written to D1 (for operators and tests). */
  pendingEvents(): number {
    return this.outbox.size();
  }

  private record(event: DownloadEvent): void {
    this.outbox.append(event);
    if (!this.alarmPending) {
      this.alarmPending = true;
      // Not awaited on purpose: admit() must stay synchronous. The output gate still
      // holds the response until the alarm is durably set.
      this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS).catch((error: unknown) => {
        this.alarmPending = false;
        console.error("could not schedule the event flush", error);
      });
    }
  }

  /** Writes the outbox (and the state mirror) to D1. On failure keeps every event and tries again later, without end. */
  override async alarm(): Promise<void> {
    this.alarmPending = false;
    try {
      // The link's current state rides along, so D1's listing copy follows within seconds.
      const identity = this.store.identity();
      for (let batch = this.outbox.oldest(FLUSH_BATCH); batch.length > 0; batch = this.outbox.oldest(FLUSH_BATCH)) {
        await flushLinkOutbox(this.env.DB, batch, identity ? { ...identity, state: this.snapshot() } : null);
        this.outbox.remove(batch.map((e) => e.id));
      }
      this.flushFailures = 0;
    } catch (error) {
      this.flushFailures += 1;
      const delay = Math.min(FLUSH_DELAY_MS * 2 ** this.flushFailures, MAX_BACKOFF_MS);
      console.warn(`download log flush failed (${this.flushFailures}x); retrying in ${delay} ms`, error);
      this.alarmPending = true;
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }
}
