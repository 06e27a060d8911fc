import type { DeliveryReport, DownloadEvent } from "./linkTypes.ts";

/**
 * docs/CONTRACT.md §6 rule 4: only a counted download whose body ended early — the client
 * left before `refundBelowBytes` were written, or the source failed — can be given back.
 * Everything else (a completed body, an abort past the threshold, an uncounted resume)
 * keeps the count as it is, so the link need not hear about it.
 */
export function mayRefund(report: DeliveryReport): report is DeliveryReport & { grantId: number } {
  const early = report.outcome === "aborted" && (report.failed || report.bytesSent < report.refundBelowBytes);
  return report.grantId !== null && early;
}

/** The event's final version: the bytes written and the outcome, and whether it was given back. */
export function finalEvent(report: DeliveryReport, refunded: boolean): DownloadEvent {
  return {
    ...report.event,
    bytesSent: report.bytesSent,
    outcome: report.outcome,
    ...(refunded ? { counted: false, reason: "refunded" as const } : {}),
  };
}
