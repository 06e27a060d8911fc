import { z } from "zod";
import { base64url } from "../utils/encoding.ts";
import type { WebhookEvent } from "./webhookEvents.ts";

/**
 * One delivery as it travels through the queues. The body is fixed when the event is
 * emitted (the bytes the store verifies); each attempt signs it with a fresh timestamp.
 * The dead-letter queue carries the same message plus what the last attempt met.
 */
export const webhookMessageSchema = z.strictObject({
  tenant_id: z.string(),
  webhook_id: z.string(),
  type: z.string(),
  body: z.string(),
  /** Set when the message is dead-lettered: attempts made and the last failure. */
  attempts: z.number().int().optional(),
  last_status: z.number().int().nullable().optional(),
  last_error: z.string().nullable().optional(),
});

export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

/**
 * `msg_` + 32 characters of SHA-256 over tenant, type and the event's key: the same event
 * (a retried flush, the two versions of a download's log entry) always has the same
 * `webhook-id`, which is what Standard Webhooks receivers deduplicate on.
 */
export async function webhookIdOf(tenantId: string, event: Pick<WebhookEvent, "type" | "key">): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${tenantId}\n${event.type}\n${event.key}`),
  );
  return `msg_${base64url(new Uint8Array(digest)).slice(0, 32)}`;
}

/** The Standard Webhooks envelope: `{"type", "timestamp", "data"}`. */
export function webhookBody(event: { type: string; at: number; data: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data });
}

/** The queue message for one event of one tenant. */
export async function webhookMessageOf(tenantId: string, event: WebhookEvent): Promise<WebhookMessage> {
  return {
    tenant_id: tenantId,
    webhook_id: await webhookIdOf(tenantId, event),
    type: event.type,
    body: webhookBody(event),
  };
}
