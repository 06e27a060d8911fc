import { z } from "zod";

/**
 * The webhooks a store can subscribe to (tenant setting `webhook_events`), and the `data`
 * of each. Every delivery's body is the Standard Webhooks envelope
 * `{"type": …, "timestamp": <ISO 8601 of the event>, "data": …}`; the schemas here are
 * also what README "Webhooks" documents.
 */
export const WEBHOOK_EVENT_TYPES = [
  "download.completed",
  "download.aborted",
  "link.exhausted",
  "link.flagged",
  "scanner.suppressed",
  "order.completed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by `POST /admin/v1/webhooks/test` only; never subscribed to, never queued. */
export const WEBHOOK_TEST_TYPE = "webhook.test";

/**
 * A webhook endpoint: https only (a signed event still tells an eavesdropper on plain http
 * what a customer downloaded and from where), except http to the loopback host for local
 * development. No credentials in the URL: they would sit in the settings in clear.
 */
export const webhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((value) => {
    // Zod runs this check even when the value failed `url()`: parse defensively.
    const url = URL.parse(value);
    if (!url || url.username || url.password) return false;
    return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  }, "https, or http://localhost / http://127.0.0.1 for local development; no user:password@");

const iso = z.iso.datetime();

/** One request's delivery, from the download log (docs/CONTRACT.md §6 rules 2–4a). */
export const downloadPayloadSchema = z.strictObject({
  /** The download log entry's id (`GET /admin/v1/links/:id/events`). */
  event_id: z.string(),
  link_id: z.string(),
  file_id: z.string(),
  order_number: z.string().nullable(),
  /** When the request arrived. */
  at: iso,
  /** HTTP status of the answer: 200, or 206 for a range. */
  status: z.number().int(),
  range: z.string().nullable(),
  /** Bytes the answer promised (its Content-Length). */
  bytes: z.number().int(),
  /** Bytes written to the client before the stream ended. */
  bytes_sent: z.number().int(),
  /** True when this request took one of the link's downloads (and kept it). */
  counted: z.boolean(),
  /** Why it was not counted: `resume`, `scanner`, `refunded` (an early abort given back), … */
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  country: z.string().nullable(),
  user_agent: z.string().nullable(),
});

/** A counted download took the link's last download: the next one is refused `limit_reached`. */
export const linkExhaustedPayloadSchema = z.strictObject({
  link_id: z.string(),
  file_id: z.string(),
  order_number: z.string().nullable(),
  /** The download log entry of the download that used the link up. */
  event_id: z.string(),
  at: iso,
  /** Downloads counted so far, and the limit in force (overrides and extra downloads included). */
  download_count: z.number().int(),
  download_limit: z.number().int(),
});

/** The link looks shared (too many networks or countries): emitted by sharing detection. */
export const linkFlaggedPayloadSchema = z.strictObject({
  link_id: z.string(),
  order_number: z.string().nullable(),
  /** Which threshold the link crossed. */
  /** The `sharing` bound that was passed, as the link view's `flagged.reason` says it. */
  reason: z.enum(["max_networks", "max_countries"]),
  /** Distinct networks (/24, /48) and countries seen within the policy's window. */
  networks: z.number().int(),
  countries: z.number().int(),
  /** What the tenant's `sharing` policy did: `flag` marks the link, `block` suspends it. */
  action: z.enum(["flag", "block"]),
  at: iso,
});

/** A mail scanner or link-preview agent was answered without counting (rule 4a). */
export const scannerSuppressedPayloadSchema = z.strictObject({
  event_id: z.string(),
  link_id: z.string(),
  file_id: z.string(),
  order_number: z.string().nullable(),
  at: iso,
  /** `scanner`: a scanner network or empty User-Agent was served the file uncounted; `preview`: a card. */
  reason: z.enum(["scanner", "preview"]),
  status: z.number().int(),
  /** Bytes written (0 for a preview card). */
  bytes_sent: z.number().int(),
  ip: z.string().nullable(),
  country: z.string().nullable(),
  user_agent: z.string().nullable(),
});

/** An order became complete (paid): its links open. */
export const orderCompletedPayloadSchema = z.strictObject({
  order_number: z.string(),
  customer_id: z.string(),
  purchased_at: iso,
  /** The order's links (one per item × file). */
  links: z.array(z.strictObject({ link_id: z.string(), file_id: z.string() })),
});

export const webhookPayloadSchemas = {
  "download.completed": downloadPayloadSchema,
  "download.aborted": downloadPayloadSchema,
  "link.exhausted": linkExhaustedPayloadSchema,
  "link.flagged": linkFlaggedPayloadSchema,
  "scanner.suppressed": scannerSuppressedPayloadSchema,
  "order.completed": orderCompletedPayloadSchema,
} as const satisfies Record<WebhookEventType, z.ZodType>;

export type DownloadPayload = z.infer<typeof downloadPayloadSchema>;
export type LinkExhaustedPayload = z.infer<typeof linkExhaustedPayloadSchema>;
/** What sharing detection hands `emitWebhookEvents` for `link.flagged`. */
export type LinkFlaggedPayload = z.infer<typeof linkFlaggedPayloadSchema>;
export type ScannerSuppressedPayload = z.infer<typeof scannerSuppressedPayloadSchema>;
export type OrderCompletedPayload = z.infer<typeof orderCompletedPayloadSchema>;

/**
 * One event to send. `key` names what happened, uniquely within the tenant and type (a
 * download log id, a link id + the moment it was flagged, an order number): the same
 * key always gives the same `webhook-id`, so a store that sees an event twice (delivery
 * is at least once) can tell it is a repeat.
 */
export type WebhookEvent = {
  [T in WebhookEventType]: {
    type: T;
    key: string;
    /** Unix ms. */ at: number;
    data: z.infer<(typeof webhookPayloadSchemas)[T]>;
  };
}[WebhookEventType];
