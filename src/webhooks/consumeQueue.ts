import type { Env } from "../env.ts";
import { deliverWebhooks } from "./deliverWebhooks.ts";
import { storeDeadLetters } from "./storeDeadLetters.ts";

/** The queue names of wrangler.toml: deliveries, and the dead letters of those that failed. */
export const WEBHOOK_QUEUE = "dlgate-webhooks";
export const WEBHOOK_DEAD_QUEUE = "dlgate-webhooks-dead";

/** The Worker's `queue` handler: routes each batch by the queue it came from. */
export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  switch (batch.queue) {
    case WEBHOOK_QUEUE:
      return deliverWebhooks(batch, env);
    case WEBHOOK_DEAD_QUEUE:
      return storeDeadLetters(batch, env);
    default:
      throw new Error(`no consumer for queue ${batch.queue}`);
  }
}
