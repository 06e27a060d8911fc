import { ERROR_STATUS } from "../http/HttpError.ts";
import { decideAccess, type Refusal } from "../policy/decideAccess.ts";
import type { LinkClaimsMemory } from "./LinkClaimsMemory.ts";
import type { LinkStorage } from "./linkStorage.ts";
import type { AdmitRequest, AdmitResult, DownloadEvent, LinkStateMirror } from "./linkTypes.ts";
import type { ScannerPasses } from "./scannerPasses.ts";

/** The parts of the link's Durable Object that one admission reads and writes. */
export interface AdmissionParts {
  store: LinkStorage;
  claims: LinkClaimsMemory;
  scannerPasses: ScannerPasses;
  /** Puts the request's event into the outbox (logConfirmation.ts). */
  record: (event: DownloadEvent) => void;
}

/**
 * The decision and, when it counts, the download taken — in one synchronous step, so
 * there is no await between reading the count and writing it. `refuseWith` refuses without
 * deciding (the link could not learn its order's status).
 */
export function admitNow(parts: AdmissionParts, request: AdmitRequest, refuseWith?: Refusal): AdmitResult {
  const { store } = parts;
  const now = Date.now();
  store.rememberIdentity(request.link);
  parts.claims.remember(request.claims);
  const state = store.state(request.device, request.claims.dev !== undefined);
  const sendsBody = request.sendsBody && request.uncounted === undefined;
  const decision = refuseWith
    ? { ok: false as const, reason: refuseWith }
    : decideAccess({ ...request, sendsBody, now }, state);
  // Rule 4a: a scanner's download is served without counting while passes remain.
  const scannerPass =
    decision.ok &&
    decision.counted &&
    request.scannerPasses !== undefined &&
    parts.scannerPasses.take(request.scannerPasses);
  const grantId = decision.ok && decision.counted && !scannerPass ? store.count(now, request.device) : null;
  // Bytes go out on the strength of this device's counted download: from now on that
  // download is not refundable, whatever its own connection does (rule 4).
  if (decision.ok && decision.resume && request.sendsBody) store.markRelied(request.device);
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
  parts.record(event);
  if (!decision.ok) return { ok: false, reason: decision.reason, event, mirror: null };
  // The count just taken, as the state query would now read it (no second query).
  const mirror: LinkStateMirror | null =
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
