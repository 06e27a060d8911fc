/**
 * Why a request that reached a link and was answered without an error was not counted
 * (docs/CONTRACT.md §6 rules 2–4a):
 * - `resume`: a range continuing the same device's counted download (rule 3);
 * - `no_body`: HEAD, 304, or another answer without the file's bytes (rule 2);
 * - `prefetch`: a browser prefetch or prerender, answered 503 without bytes (rule 2);
 * - `preview`: a link-preview agent, answered with a card (rule 4a);
 * - `scanner`: a mail-scanner network or an empty User-Agent, served uncounted (rule 4a);
 * - `confirmation`: a browser shown the confirmation page instead of the file (rule 4a);
 * - `refunded`: counted, then given back (early abort or a failure after the count, rule 4).
 */
export type NotCountedReason = "resume" | "no_body" | "prefetch" | "preview" | "scanner" | "confirmation" | "refunded";

/** How a response with a body ended: written to the end, or cut off by the client or a failure. */
export type DownloadOutcome = "completed" | "aborted";

/** One request that reached a link, as written to the D1 `download_events` table. */
export interface DownloadEvent {
  id: string;
  tenantId: string;
  linkId: string;
  fileId: string;
  orderNumber: string | null;
  /** Unix ms. */
  at: number;
  ip: string | null;
  userAgent: string | null;
  country: string | null;
  range: string | null;
  status: number;
  /** Bytes the response promised (its Content-Length); 0 for errors and bodiless answers. */
  bytes: number;
  /** Bytes written to the client; null while a body is still streaming. */
  bytesSent: number | null;
  /** For answers with a body: how the stream ended; null while it streams or without a body. */
  outcome: DownloadOutcome | null;
  counted: boolean;
  /** For an answer that was not counted and not an error: why. */
  reason: NotCountedReason | null;
  device: string | null;
  error: string | null;
}
