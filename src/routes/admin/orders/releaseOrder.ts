import { defineEndpoint } from "../../../http/endpoint.ts";
import { setOrderHold } from "../../../orders/orderHold.ts";
import { orderAction, orderResponse } from "./orderRecord.ts";

/** Ends a hold: the links work again exactly as before it, with the counts they had. A canceled order is refused (its hold is the record of the review). */
export const releaseOrder = defineEndpoint({
  ...orderAction,
  method: "post",
  path: "/orders/:number/release",
  access: "admin",
  operationId: "releaseOrder",
  tags: ["Issuer: orders"],
  summary: "Release a held order: its links work again as before the hold",
  async handle({ request, env, tenant, params }) {
    await setOrderHold(env, tenant.id, params.number, null);
    return orderResponse(env, tenant, request, params.number);
  },
});
