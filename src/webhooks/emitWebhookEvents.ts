import type { Env } from "../env.ts";
import { tenantById } from "../tenants/resolveTenant.ts";
import type { WebhookEvent } from "./webhookEvents.ts";
import { storeUnqueued } from "./storeDeadLetters.ts";
import { webhookMessageOf } from "./webhookMessage.ts";

/** Messages per `sendBatch`: the platform takes up to 100 (and 256 KB); events are a few hundred bytes. */
const SEND_BATCH = 50;

/**
 * Queues a tenant's events for delivery, keeping only those it subscribes to (a
 * `webhook_url` and the type in `webhook_events`; tenant settings are the cached copy, so
 * this reads no D1 row while the tenant is warm). A batch the queue refuses is stored as
 * dead letters (storeDeadLetters.ts), listed and replayable like a failed delivery. Never
 * throws: it runs in background work (after a response, in an alarm) where a failure can
 * only be logged. Returns how many messages were queued.
 */
export async function emitWebhookEvents(env: Env, tenantId: string, events: readonly WebhookEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  let queued = 0;
  try {
    const settings = (await tenantById(env, tenantId))?.settings;
    if (!settings?.webhook_url) return 0;
    const wanted = events.filter((event) => settings.webhook_events.includes(event.type));
    const messages = await Promise.all(wanted.map((event) => webhookMessageOf(tenantId, event)));
    for (let i = 0; i < messages.length; i += SEND_BATCH) {
      const chunk = messages.slice(i, i + SEND_BATCH);
      try {
        await env.WEBHOOKS.sendBatch(chunk.map((body) => ({ body, contentType: "json" })));
        queued += chunk.length;
      } catch (error) {
        console.error(
          `webhooks: ${chunk.length} event(s) of tenant ${tenantId} could not be queued; kept as dead letters`,
          error,
        );
        await storeUnqueued(env.DB, chunk, error).catch((stored: unknown) =>
          console.error(
            `webhooks: ${chunk.length} event(s) of tenant ${tenantId} lost: neither queued nor stored`,
            stored,
          ),
        );
      }
    }
    return queued;
  } catch (error) {
    console.error(`webhooks: ${events.length} event(s) of tenant ${tenantId} could not be queued`, error);
    return queued;
  }
}
