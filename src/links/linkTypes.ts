import type { ErrorCode } from "../http/HttpError.ts";
import type { AccessRequest, LinkState, Refusal } from "../policy/decideAccess.ts";
import type { SharingSettings } from "../tenants/tenantSettings.ts";
import type { LinkFlag } from "./sharingWatch.ts";
import type { DownloadEvent, DownloadOutcome, NotCountedReason } from "./DownloadEvent.ts";

/**
 * The shapes the link's Durable Object is spoken to in (its RPC methods) and the state it
 * hands out. Types only: the Worker, D1 code and tests import these without importing the
 * object's class, so no import runs from `db/` back to `links/DownloadLink.ts`.
 */

export type { DownloadEvent, DownloadOutcome, NotCountedReason };

/** Which tenant, link and file a Durable Object is; it remembers this from its first request. */
export interface LinkIdentity {
  tenantId: string;
  linkId: string;
  fileId: string;
}

/**
 * The link's state as plain data (RPC-serialisable). `lastCountedAt` is the newest
 * counted download of any device (for listings), not a resume right.
 */
export type LinkSnapshot = Omit<LinkState, "devices" | "deviceLastCountedAt"> & {
  lastCountedAt: number | null;
  deviceCount: number;
  version: number;
  /** Set by sharing detection (sharingWatch.ts) until the store clears it. */
  flagged: LinkFlag | null;
};

/** What a link's Durable Object erased of its customer (DownloadLink.erasePersonalData). */
export interface LinkErasure {
  /** Device ids replaced by random ones. */
  devices: number;
  /** Whether the remembered token claims named the customer (`sub`) and now name the pseudonym. */
  claims: boolean;
  /** Events still waiting for D1, cleared of their personal data. */
  pendingEvents: number;
}

/** The part of a link's Durable Object state that D1 copies for listings. */
export type MirroredLinkState = Pick<
  LinkSnapshot,
  | "count"
  | "limitOverride"
  | "extraDownloads"
  | "expiresAtOverride"
  | "revoked"
  | "suspended"
  | "lastCountedAt"
  | "version"
>;

/** A link's state on its way to its D1 row (db/mirrorLinkState.ts). */
export interface LinkStateMirror {
  tenantId: string;
  linkId: string;
  state: MirroredLinkState;
}

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
   * Set when the answer, should the link let the request through, is an error the Worker
   * found itself (the file is gone: `not_found`): the log row carries it as its error.
   */
  plannedError?: "not_found";
  /**
   * Set when the request looks like a mail scanner (rule 4a): a download it would count is
   * served uncounted while the link has used fewer than this many scanner passes.
   */
  scannerPasses?: number;
  /** The tenant's sharing detection (tenant setting `sharing`); absent = off. */
  sharing?: SharingSettings;
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
  /** A refusal changes no state, except the one that blocks the link for sharing: its mirror. */
  | { ok: false; reason: Refusal; event: DownloadEvent; mirror: LinkStateMirror | null };

/** What the download path knows of a request before it plans the answer (routes/download.ts). */
export type AdmitBase = Omit<AdmitRequest, "delivers" | "sendsBody" | "rangeStart" | "plannedStatus" | "plannedBytes">;

/** A refusal the Worker made itself before asking the link (admission.ts `recordRefused`). */
export interface WorkerRefusal {
  status: number;
  /** The error code of the answer (docs/CONTRACT.md §7), as the log's `error` column holds it. */
  error: ErrorCode;
}

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
  /**
   * What a given-back abort is charged against the budget: the most the client can have been
   * sent and still be given back, the end of the body's first piece (files/deliveryBody.ts):
   * the threshold, or the whole body when it goes out in one piece.
   */
  refundChargeBytes: number;
  /** What the link's early-abort refunds may write in all: the refund fraction of the file (rule 4). */
  refundBudgetBytes: number;
}

/** The event's final version and, when the count changed, the link's new state. */
export interface FinishResult {
  event: DownloadEvent;
  refunded: boolean;
  mirror: LinkStateMirror | null;
}
