import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { orders } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { assertCanSign } from "../../../links/mintDownloadUrl.ts";
import { loadOrder, orderAction, orderResponse } from "./orderRecord.ts";

/** Pending → complete; the links open. Completing a complete order changes nothing. */
export const completeOrder = defineEndpoint({
  method: "post",
  path: "/orders/:number/complete",
  access: "admin",
  operationId: "completeOrder",
  tags: ["Issuer: orders"],
  summary: "Pending → complete: the order's links open",
  ...orderAction,
  async handle({ request, env, tenant, params }) {
    const order = await loadOrder(env, tenant.id, params.number);
    if (order.status === "canceled")
      throw new HttpError("bad_request", "A canceled order cannot be completed.", {}, [
        { path: "status", message: "canceled" },
      ]);
    assertCanSign(tenant);
    // A D1 write only: a link object of a pending order reads the status on each request
    // until it says complete, so no object needs telling (and none is created here).
    if (order.status === "pending") {
      await drizzle(env.DB)
        .update(orders)
        .set({ status: "complete" })
        .where(and(eq(orders.tenantId, tenant.id), eq(orders.number, params.number), eq(orders.status, "pending")));
    }
    return orderResponse(env, tenant, request, params.number);
  },
});
