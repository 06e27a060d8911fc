import { ERROR_STATUS } from "../http/HttpError.ts";
import { decideAccess, effectiveLimit, type Refusal } from "../policy/decideAccess.ts";
import type { LinkExhaustion } from "../webhooks/downloadWebhooks.ts";
import type { LinkClaimsMemory } from "./LinkClaimsMemory.ts";
import type { LinkStorage } from "./linkStorage.ts";
import type { AdmitRequest, AdmitResult, DownloadEvent, LinkStateMirror, WorkerRefusal } from "./linkTypes.ts";
import type { ScannerPasses } from "./scannerPasses.ts";
import type { LinkFlag, SharingWatch } from "./sharingWatch.ts";

/** The parts of the link's Durable Object that one admission reads and writes. */
export interface AdmissionParts {
  store: LinkStorage;
  claims: LinkClaimsMemory;
  scannerPasses: ScannerPasses;
  sharing: SharingWatch;
  /** Puts the request's event into the outbox (logConfirmation.ts). */
  record: (event: DownloadEvent) => void;
  /** Tells the store that this request flagged (or blocked) the link: the webhook `link.flagged`, sent in the background. */
  flagged: (link: AdmitRequest["link"], flag: LinkFlag) => void;
  /**
   * The counted download `eventId` took the link's last download: kept for `link.exhausted`
   * in case its event reaches D1 only through the link's alarm (linkWebhooks.ts).
   */
  exhausted: (eventId: string, exhaustion: LinkExhaustion) => void;
}

/**
 * The decision and, when it counts, the download taken — in one synchronous step, so
 * there is no await between reading the count and writing it. `refuseWith` refuses without
 * deciding (the link could not learn its order's status). `networkHash` is the client's
 * network as sharing detection keeps it (networkHash.ts), computed before this step.
 */
export function admitNow(
  parts: AdmissionParts,
  request: AdmitRequest,
  refuseWith?: Refusal,
  networkHash: string | null = null,
): AdmitResult {
  const { store } = parts;
  const now = Date.now();
  // The state first: it also reads the identity the object already knows.
  const state = store.state(request.device, request.claims.dev !== undefined);
  store.rememberIdentity(request.link);
  const sendsBody = request.sendsBody && request.uncounted === undefined;
  let decision = refuseWith
    ? { ok: false as const, reason: refuseWith }
    : decideAccess({ ...request, country: request.log.country, sendsBody, now }, state);
  // Rule 4a: a scanner's download is served without counting while passes remain.
  const scannerPass =
    decision.ok &&
    decision.counted &&
    request.scannerPasses !== undefined &&
    parts.scannerPasses.take(request.scannerPasses);
  // Sharing detection: bytes about to go to this network and country (a counted download
  // or a resume; scanner passes aside). With action `block`, the request that crosses the
  // bound is refused here, before anything is counted, and blocks the link.
  const sharing =
    decision.ok && sendsBody && !scannerPass && request.sharing !== undefined
      ? parts.sharing.observe(now, request.sharing, networkHash, request.log.country)
      : null;
  // `sharing.flagged` is set on the one request that flagged the link: the webhook's moment.
  if (sharing?.flagged) parts.flagged(request.link, sharing.flagged);
  if (sharing?.refuse) {
    store.setSuspended(true);
    decision = { ok: false, reason: "suspended" };
  }
  parts.claims.remember(request.claims, state.storedClaims, decision.ok && request.sendsBody);
  const grantId = decision.ok && decision.counted && !scannerPass ? store.count(now, request.device) : null;
  // Bytes go out on the strength of this device's counted download: from now on that
  // download is not refundable, whatever its own connection does (rule 4).
  if (decision.ok && decision.resume && request.sendsBody) store.markRelied(request.device);
  const bodyless = !decision.ok || !request.sendsBody;
  const event = requestEvent(request, now, {
    status: decision.ok ? request.plannedStatus : ERROR_STATUS[decision.reason],
    bytes: decision.ok ? request.plannedBytes : 0,
    bytesSent: bodyless ? 0 : null,
    counted: grantId !== null,
    reason:
      !decision.ok || grantId !== null || request.plannedError
        ? null
        : (request.uncounted ?? (scannerPass ? "scanner" : decision.resume ? "resume" : "no_body")),
    error: decision.ok ? (request.plannedError ?? null) : decision.reason,
  });
  parts.record(event);
  if (grantId !== null) {
    // As the Worker reckons it for its own send (reportDelivery.ts): the limit in force
    // is the token's or the store's, and this download's count reached it.
    const limit = effectiveLimit(request.claims, state);
    if (limit !== null && state.count + 1 >= limit)
      parts.exhausted(event.id, { downloadCount: state.count + 1, downloadLimit: limit });
  }
  if (!decision.ok) {
    // The link just blocked itself: listings learn it with this request's log write.
    const blocked = sharing?.refuse
      ? mirrorOf(request, { ...state, suspended: true, version: state.version + 1 })
      : null;
    return { ok: false, reason: decision.reason, event, mirror: blocked };
  }
  // The count just taken, as the state query would now read it (no second query).
  const mirror =
    grantId === null
      ? null
      : mirrorOf(request, { ...state, count: state.count + 1, lastCountedAt: now, version: state.version + 1 });
  return { ok: true, counted: grantId !== null, resume: decision.resume, grantId, event, mirror };
}

/** The link's state as D1's listing copy takes it (db/mirrorLinkState.ts). */
function mirrorOf(request: AdmitRequest, state: LinkStateMirror["state"]): LinkStateMirror {
  return {
    tenantId: request.link.tenantId,
    linkId: request.link.linkId,
    state: {
      count: state.count,
      lastCountedAt: state.lastCountedAt,
      version: state.version,
      revoked: state.revoked,
      suspended: state.suspended,
      limitOverride: state.limitOverride,
      extraDownloads: state.extraDownloads,
      expiresAtOverride: state.expiresAtOverride,
    },
  };
}

/**
 * A request the Worker refused before the link could decide it (the customer's sign-in on
 * an `auth: true` link, a Download button without its page's cookie): recorded like every
 * request that reaches a link (docs/CONTRACT.md §6 rule 7), with its status and error code,
 * and nothing counted or changed.
 */
export function recordRefused(parts: AdmissionParts, request: AdmitRequest, refusal: WorkerRefusal): DownloadEvent {
  parts.store.rememberIdentity(request.link);
  const event = requestEvent(request, Date.now(), {
    status: refusal.status,
    bytes: 0,
    bytesSent: 0,
    counted: false,
    reason: null,
    error: refusal.error,
  });
  parts.record(event);
  return event;
}

/** The log entry of one request: what the link and the request say, plus how it was answered. */
export function requestEvent(
  request: AdmitRequest,
  at: number,
  answer: Pick<DownloadEvent, "status" | "bytes" | "bytesSent" | "counted" | "reason" | "error">,
): DownloadEvent {
  return {
    id: crypto.randomUUID(),
    tenantId: request.link.tenantId,
    linkId: request.link.linkId,
    fileId: request.link.fileId,
    orderNumber: request.link.orderNumber,
    at,
    ...request.log,
    ...answer,
    outcome: null,
    device: request.device,
  };
}
