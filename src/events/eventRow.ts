import { isoFromMs } from "../utils/time.ts";
import type { LogRow } from "./eventQuery.ts";

/** The columns of an exported log row, in CSV order (the JSON and NDJSON rows use the same names). */
export const EVENT_COLUMNS = [
  "id",
  "at",
  "order_number",
  "link_id",
  "file_id",
  "customer_id",
  "ip",
  "user_agent",
  "country",
  "range",
  "status",
  "bytes",
  "bytes_sent",
  "outcome",
  "counted",
  "reason",
  "error",
  "device",
] as const;

export type EventRowView = Record<(typeof EVENT_COLUMNS)[number], string | number | boolean | null>;

/** A log row as the API answers it: ISO time, snake_case names, nulls kept. */
export function eventRowView(row: LogRow) {
  return {
    id: row.id,
    at: isoFromMs(row.at) as string,
    order_number: row.orderNumber,
    link_id: row.linkId,
    file_id: row.fileId,
    customer_id: row.customerId,
    ip: row.ip,
    user_agent: row.userAgent,
    country: row.country,
    range: row.range,
    status: row.status,
    bytes: row.bytes,
    bytes_sent: row.bytesSent,
    outcome: row.outcome,
    counted: row.counted,
    reason: row.reason,
    error: row.error,
    device: row.device,
  } satisfies EventRowView;
}
