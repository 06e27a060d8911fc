import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { links } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { findOrder } from "../listings/orderRows.ts";
import { tellEachLink } from "./tellEachLink.ts";

/** The queue name of wrangler.toml. */
export const ORDER_CHANGES_QUEUE = "dlgate-order-changes";

/** An order whose links are told its state again; the state itself is read from D1 then. */
export interface OrderChangeMessage {
  tenantId: string;
  orderNumber: string;
}

/** When a message's links could not all be told (a Durable Object or D1 down): the next try. */
const RETRY_SECONDS = 30;

/**
 * A cancel, hold or release reaches D1 first and then tells each of the order's link
 * objects (up to 500, a few seconds). A request that dies in between (a deploy, a dropped
 * connection, an object that cannot be reached) would leave links serving a canceled or
 * held order while every view shows them revoked or suspended, since the views read the
 * order's status, and the store would see nothing to retry. So each change, once in D1,
 * also queues this backstop: ORDER_RECHECK_SECONDS later every link is told again from the
 * order as D1 holds it then. Telling is idempotent, and reading the order at that moment
 * means the last change's message always leaves the links as the order now says.
 */
export async function recheckOrderLater(env: Env, tenantId: string, orderNumber: string): Promise<void> {
  const message: OrderChangeMessage = { tenantId, orderNumber };
  const delaySeconds = Number(env.ORDER_RECHECK_SECONDS);
  try {
    await env.ORDER_CHANGES.send(message, {
      contentType: "json",
      delaySeconds: Number.isSafeInteger(delaySeconds) && delaySeconds >= 0 ? delaySeconds : 30,
    });
  } catch (error) {
    // Only the backstop is lost: the change still goes to every link now, and a store that
    // sees the request fail retries it. A queue outage must never keep a cancel from links.
    console.error(`order change ${tenantId}/${orderNumber}: the recheck could not be queued`, error);
  }
}

/** The queue consumer: each message's links told the order's state; a failed one retried. */
export async function recheckOrders(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body as Partial<OrderChangeMessage> | null;
    if (typeof body?.tenantId !== "string" || typeof body.orderNumber !== "string") {
      console.warn(`order change ${message.id}: not an order change message, dropped`);
      message.ack();
      continue;
    }
    try {
      await tellLinksTheOrder(env, body.tenantId, body.orderNumber);
      message.ack();
    } catch (error) {
      console.warn(`order change ${body.tenantId}/${body.orderNumber}: ${String(error)}; retried`);
      message.retry({ delaySeconds: RETRY_SECONDS });
    }
  }
}

/**
 * Every link of the order told what the order now is: a canceled order's links revoked
 * (a cancel is final, patchLink.ts refuses to un-revoke them), any other order's links held
 * exactly while the order is. An order that no longer exists changes nothing.
 */
export async function tellLinksTheOrder(env: Env, tenantId: string, orderNumber: string): Promise<void> {
  const db = drizzle(env.DB);
  const order = await findOrder(db, tenantId, orderNumber);
  if (!order) return;
  const rows = await db
    .select({ id: links.id })
    .from(links)
    .where(and(eq(links.tenantId, tenantId), eq(links.orderNumber, orderNumber)));
  const ids = rows.map((row) => row.id);
  if (order.status === "canceled") {
    await tellEachLink(env, tenantId, ids, (link) => link.setRevoked(true));
  } else {
    await tellEachLink(env, tenantId, ids, (link) => link.setHeld(order.heldAt !== null));
  }
}
