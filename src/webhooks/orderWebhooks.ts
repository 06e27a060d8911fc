import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env.ts";
import { loadOrderLinks } from "../listings/orderRows.ts";
import { isoFromSeconds } from "../utils/time.ts";
import { emitWebhookEvents } from "./emitWebhookEvents.ts";

/**
 * `order.completed` for an order that just became complete (completed, or created
 * complete). The order number is its key: a repeated completion of the same order carries
 * the same `webhook-id`. Never throws (a failure is logged; the order is complete either way).
 */
export async function emitOrderCompleted(env: Env, tenantId: string, orderNumber: string): Promise<void> {
  try {
    const rows = await loadOrderLinks(drizzle(env.DB), tenantId, { orderNumber });
    const order = rows[0]?.order;
    if (!order || order.status !== "complete") return;
    await emitWebhookEvents(env, tenantId, [
      {
        type: "order.completed",
        key: order.number,
        at: Date.now(),
        data: {
          order_number: order.number,
          customer_id: order.customerId,
          purchased_at: isoFromSeconds(order.purchasedAt) as string,
          links: rows.map((row) => ({ link_id: row.link.id, file_id: row.link.fileId })),
        },
      },
    ]);
  } catch (error) {
    console.error(`webhooks: order.completed for ${orderNumber} could not be emitted`, error);
  }
}
