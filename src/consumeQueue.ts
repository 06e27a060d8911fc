import type { Env } from "./env.ts";
import { ORDER_CHANGES_QUEUE, recheckOrders } from "./orders/orderChanges.ts";
import { deliverWebhooks } from "./webhooks/deliverWebhooks.ts";
import { storeDeadLetters } from "./webhooks/storeDeadLetters.ts";

/** The queue names of wrangler.toml: webhook deliveries, and the dead letters of those that failed. */
export const WEBHOOK_QUEUE = "dlgate-webhooks";
export const WEBHOOK_DEAD_QUEUE = "dlgate-webhooks-dead";

/** The Worker's `queue` handler: routes each batch by the queue it came from. */
export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  switch (batch.queue) {
    case WEBHOOK_QUEUE:
      return deliverWebhooks(batch, env);
    case WEBHOOK_DEAD_QUEUE:
      return storeDeadLetters(batch, env);
    case ORDER_CHANGES_QUEUE:
      return recheckOrders(batch, env);
    default:
      throw new Error(`no consumer for queue ${batch.queue}`);
  }
}
