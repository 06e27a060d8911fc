import type { downloadEvents } from "../db/schema.ts";

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

/**
 * One request that reached a link: a row of the D1 `download_events` table (db/schema.ts,
 * where each column is described), with `outcome` and `reason` narrowed to their values.
 * `bytes` is what the response promised (0 for errors and bodiless answers); `bytesSent`
 * and `outcome` stay null while a body is still streaming.
 */
export type DownloadEvent = Omit<typeof downloadEvents.$inferSelect, "outcome" | "reason"> & {
  outcome: DownloadOutcome | null;
  reason: NotCountedReason | null;
};

/**
 * An event's fields that are personal data (GDPR erasure) and what they become once erased:
 * the outbox's waiting events (links/Outbox.ts) and D1's rows (db/downloadLog.ts,
 * events/erasePersonalData.ts) lose exactly these.
 */
export const NO_PERSONAL_DATA = {
  ip: null,
  userAgent: null,
  country: null,
  device: null,
} satisfies Partial<DownloadEvent>;
