import type { Env } from "../env.ts";
import { tenantById } from "../tenants/resolveTenant.ts";
import { postWebhook } from "./postWebhook.ts";
import { webhookMessageSchema } from "./webhookMessage.ts";
import { webhookSigningSecrets } from "./webhookSecrets.ts";

/**
 * Deliveries in flight at once. A Worker invocation has at most 6 connections open at a
 * time; further fetches wait for a free one, while each delivery's deadline
 * (postWebhook.ts, 15 s) already runs. With the batch of 10 (wrangler.toml) and a slow
 * receiver, the last four would time out without ever being sent. So a delivery starts
 * only when a connection is free, and its deadline is that of its own request.
 */
export const MAX_DELIVERIES_IN_FLIGHT = 6;

/** The longest delay a queue message can be retried with (12 hours). */
const MAX_DELAY_SECONDS = 43_200;

/** Seconds before attempt `attempts + 1`: base × 2^(attempts − 1), capped at the platform's maximum. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempts - 1), MAX_DELAY_SECONDS);
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Retry schedule from the Worker's vars (wrangler.toml), with the documented defaults. */
export function retryPolicy(env: Env): { baseSeconds: number; maxAttempts: number } {
  return {
    baseSeconds: positiveInt(env.WEBHOOK_RETRY_BASE_SECONDS, 30),
    maxAttempts: positiveInt(env.WEBHOOK_MAX_ATTEMPTS, 12),
  };
}

/**
 * The consumer of the webhook queue: each message is one signed POST to the tenant's
 * current `webhook_url`. A 2xx acknowledges it; anything else (an error status, no answer
 * within the deadline, no connection) retries it with exponential backoff, and once its
 * attempts are used up it goes to the dead-letter queue with what the last attempt met.
 * A tenant that removed its `webhook_url` (or no longer exists) drops its messages.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { baseSeconds, maxAttempts } = retryPolicy(env);
  const secrets = new Map<string, Promise<string[]>>();
  await inPool(batch.messages, MAX_DELIVERIES_IN_FLIGHT, async (message) => {
    const parsed = webhookMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(`webhooks: dropped malformed message ${message.id}`, parsed.error.issues);
      message.ack();
      return;
    }
    const m = parsed.data;
    try {
      const url = (await tenantById(env, m.tenant_id))?.settings.webhook_url;
      if (!url) {
        message.ack();
        return;
      }
      let tenantSecrets = secrets.get(m.tenant_id);
      if (!tenantSecrets) secrets.set(m.tenant_id, (tenantSecrets = webhookSigningSecrets(env, m.tenant_id)));
      const result = await postWebhook(url, await tenantSecrets, m);
      if (result.ok) {
        message.ack();
      } else if (message.attempts >= maxAttempts) {
        await env.WEBHOOKS_DEAD.send({
          ...m,
          attempts: message.attempts,
          last_status: result.status,
          last_error: result.error,
        });
        message.ack();
      } else {
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, baseSeconds) });
      }
    } catch (error) {
      // The gateway's own side failed (D1, the dead-letter queue): not the receiver's
      // fault, so the message is retried; the queue's max_retries dead-letters it in the end.
      console.error(`webhooks: message ${message.id} could not be handled`, error);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, baseSeconds) });
    }
  });
}

/** Runs `work` on every item, at most `limit` at a time, each as soon as a slot is free. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
