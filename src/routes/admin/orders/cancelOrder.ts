import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { links, orders } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { recheckOrderLater } from "../../../orders/orderChanges.ts";
import { tellEachLink } from "../../../orders/tellEachLink.ts";
import { loadOrder, orderAction, orderResponse } from "./orderRecord.ts";

/**
 * Every link of the order is revoked at once. The links of a paid order may have objects
 * that no longer read D1, so each is told. Those of a still pending order are not: any
 * object of theirs reads the order's status on each request while it is pending and turns
 * itself revoked on seeing `canceled` (so cancelling an unpaid order creates no object).
 * Should the order complete between the read and the write, the conditional update
 * changes nothing and the paid order's path runs.
 */
export const cancelOrder = defineEndpoint({
  method: "post",
  path: "/orders/:number/cancel",
  access: "admin",
  operationId: "cancelOrder",
  tags: ["Issuer: orders"],
  summary: "Cancel an order: every link of it is revoked at once",
  ...orderAction,
  async handle({ request, env, tenant, params }) {
    const orderNumber = params.number;
    const order = await loadOrder(env, tenant.id, orderNumber);
    const db = drizzle(env.DB);
    const thisOrder = and(eq(orders.tenantId, tenant.id), eq(orders.number, orderNumber));
    const ofThisOrder = and(eq(links.tenantId, tenant.id), eq(links.orderNumber, orderNumber));
    const revokeInD1 = db.update(links).set({ revoked: true }).where(ofThisOrder);
    if (order.status === "pending") {
      const [canceled] = await db.batch([
        db
          .update(orders)
          .set({ status: "canceled" })
          .where(and(thisOrder, eq(orders.status, "pending")))
          .returning({ number: orders.number }),
        revokeInD1,
      ]);
      if (canceled.length > 0) return orderResponse(env, tenant, request, orderNumber);
    }
    // D1 first, then the objects: an un-revoke that read the order before this cancel
    // reads it again after it reached the object (patchLink.ts), and sees `canceled` there
    // unless this revoke reaches the object after it. Should an object call fail, the store
    // retries the cancel; the order is canceled already, so the retry comes here again.
    // Should the request die on the way through the links, the order-change queue tells
    // them again (orderChanges.ts), queued before the first is told.
    await db.batch([db.update(orders).set({ status: "canceled" }).where(thisOrder), revokeInD1]);
    await recheckOrderLater(env, tenant.id, orderNumber);
    const ids = await db.select({ id: links.id }).from(links).where(ofThisOrder);
    await tellEachLink(
      env,
      tenant.id,
      ids.map((row) => row.id),
      (link) => link.setRevoked(true),
    );
    return orderResponse(env, tenant, request, orderNumber);
  },
});
