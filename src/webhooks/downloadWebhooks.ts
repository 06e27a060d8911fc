import type { Env } from "../env.ts";
import type { DownloadEvent } from "../links/DownloadEvent.ts";
import { isoFromMs } from "../utils/time.ts";
import { emitWebhookEvents } from "./emitWebhookEvents.ts";
import type { DownloadPayload, WebhookEvent } from "./webhookEvents.ts";

/** A counted download that used the link up: its count and the limit in force when it was taken. */
export interface LinkExhaustion {
  downloadCount: number;
  downloadLimit: number;
}

/** A download log entry as the batched log writer holds it (src/links/downloadLogBatch.ts). */
export interface LoggedDownload {
  event: DownloadEvent;
  exhausted?: LinkExhaustion | undefined;
}

function at(event: DownloadEvent): string {
  return isoFromMs(event.at) as string;
}

function downloadData(event: DownloadEvent): DownloadPayload {
  return {
    event_id: event.id,
    link_id: event.linkId,
    file_id: event.fileId,
    order_number: event.orderNumber,
    at: at(event),
    status: event.status,
    range: event.range,
    bytes: event.bytes,
    bytes_sent: event.bytesSent ?? 0,
    counted: event.counted,
    reason: event.reason,
    ip: event.ip,
    country: event.country,
    user_agent: event.userAgent,
  };
}

/**
 * The webhooks one version of a log entry stands for. An entry is logged when the request
 * is admitted and again when its body ends; only the version that carries the outcome
 * emits, so each event is emitted once per version that the writer sees (and when both
 * versions do, their `webhook-id`s are equal):
 * - `download.completed` / `download.aborted`: every body that ended, counted or not
 *   (`counted` and `reason` tell a resume, a scanner pass or a refunded early abort);
 * - `scanner.suppressed`: a scanner pass (once its body ended) or a preview card (bodyless);
 * - `link.exhausted`: a counted download that took the link's last download and kept it.
 */
export function downloadWebhookEvents({ event, exhausted }: LoggedDownload): WebhookEvent[] {
  if (event.error !== null) return [];
  const out: WebhookEvent[] = [];
  const ended = event.outcome !== null;
  if (event.outcome === "completed")
    out.push({ type: "download.completed", key: event.id, at: event.at, data: downloadData(event) });
  if (event.outcome === "aborted")
    out.push({ type: "download.aborted", key: event.id, at: event.at, data: downloadData(event) });
  const bodyless = event.outcome === null && event.bytesSent === 0;
  if ((event.reason === "scanner" || event.reason === "preview") && (ended || bodyless)) {
    out.push({
      type: "scanner.suppressed",
      key: event.id,
      at: event.at,
      data: {
        event_id: event.id,
        link_id: event.linkId,
        file_id: event.fileId,
        order_number: event.orderNumber,
        at: at(event),
        reason: event.reason,
        status: event.status,
        bytes_sent: event.bytesSent ?? 0,
        ip: event.ip,
        country: event.country,
        user_agent: event.userAgent,
      },
    });
  }
  if (exhausted && ended && event.counted) {
    out.push({
      type: "link.exhausted",
      key: event.id,
      at: event.at,
      data: {
        link_id: event.linkId,
        file_id: event.fileId,
        order_number: event.orderNumber,
        event_id: event.id,
        at: at(event),
        download_count: exhausted.downloadCount,
        download_limit: exhausted.downloadLimit,
      },
    });
  }
  return out;
}

/** Emits the webhooks of a batch of log entries, per tenant. Never throws. */
export async function emitDownloadWebhooks(env: Env, entries: readonly LoggedDownload[]): Promise<void> {
  const byTenant = new Map<string, WebhookEvent[]>();
  for (const entry of entries) {
    const events = downloadWebhookEvents(entry);
    if (events.length === 0) continue;
    byTenant.set(entry.event.tenantId, [...(byTenant.get(entry.event.tenantId) ?? []), ...events]);
  }
  await Promise.all([...byTenant].map(([tenantId, events]) => emitWebhookEvents(env, tenantId, events)));
}
