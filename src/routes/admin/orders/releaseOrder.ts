import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { setOrderHold } from "../../../orders/orderHold.ts";
import { orderNumberSchema, orderViewSchema } from "../../../orders/orderSchemas.ts";
import { orderAnswer } from "../../../orders/orderAnswer.ts";

/** Ends a hold: the links work again exactly as before it, with the counts they had. */
export const releaseOrder = defineEndpoint({
  method: "post",
  path: "/orders/:number/release",
  access: "admin",
  operationId: "releaseOrder",
  tags: ["Issuer: orders"],
  summary: "Release a held order: its links work again as before the hold",
  params: z.strictObject({ number: orderNumberSchema.meta({ description: "Order number" }) }),
  body: "none",
  responses: { 200: { description: "The order as it is now", schema: orderViewSchema } },
  errors: ["not_found"],
  async handle({ request, env, tenant, params }) {
    await setOrderHold(env, tenant.id, params.number, null);
    return orderAnswer(env, tenant, request, params.number);
  },
});
