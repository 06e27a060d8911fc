/**
 * dlgate: the Worker entry point. Routing lives in router.ts; the per-link Durable
 * Object is exported here because the runtime looks for it on this module. The queue
 * handler (consumeQueue.ts) delivers webhooks, stores their dead letters (src/webhooks/)
 * and re-tells an order's links a cancel, hold or release (src/orders/orderChanges.ts).
 */
import type { Env } from "./env.ts";
import { pruneEventLog } from "./events/pruneEvents.ts";
import { router } from "./router.ts";
import { consumeQueue } from "./consumeQueue.ts";

export { DownloadLink } from "./links/DownloadLink.ts";

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  /** The Cron Trigger (wrangler.toml `triggers.crons`): log retention (docs/CONTRACT.md §10). */
  async scheduled(controller, env) {
    const result = await pruneEventLog(env.DB, controller.scheduledTime);
    console.log(
      `log retention: ${result.deleted} row(s) and ${result.deadLetters} webhook dead letter(s) deleted` +
        ` in ${result.statements} statement(s)` +
        (result.finished ? "" : "; more left for the next run"),
    );
  },
  queue: (batch, env) => consumeQueue(batch, env),
} satisfies ExportedHandler<Env>;
