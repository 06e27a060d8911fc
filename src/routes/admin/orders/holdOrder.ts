import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { singleLine } from "../../../http/textInput.ts";
import { setOrderHold } from "../../../orders/orderHold.ts";
import { orderViewSchema } from "../../../orders/orderSchemas.ts";
import { orderParams, orderResponse } from "./orderRecord.ts";

const holdOrderSchema = z
  .strictObject({
    reason: singleLine(1, 500).meta({ description: "why (for the store's records; never shown to the customer)" }),
  })
  .meta({ id: "HoldOrder" });

/**
 * Fraud review: every link of the order answers `403 suspended` from its next request on
 * (docs/CONTRACT.md §7), counting nothing, until the order is released.
 */
export const holdOrder = defineEndpoint({
  method: "post",
  path: "/orders/:number/hold",
  access: "admin",
  operationId: "holdOrder",
  tags: ["Issuer: orders"],
  summary: "Hold an order for review: its links answer 403 suspended until it is released",
  params: orderParams,
  body: holdOrderSchema,
  responses: { 200: { description: "The order, with status `held` and its hold", schema: orderViewSchema } },
  errors: ["not_found"],
  async handle({ request, env, tenant, params, body }) {
    await setOrderHold(env, tenant.id, params.number, { reason: body.reason });
    return orderResponse(env, tenant, request, params.number);
  },
});
