import { defineEndpoint } from "../../../http/endpoint.ts";
import { orderViewSchema } from "../../../orders/orderSchemas.ts";
import { orderParams, orderResponse } from "./orderRecord.ts";

export const getOrder = defineEndpoint({
  method: "get",
  path: "/orders/:number",
  access: "admin",
  operationId: "getOrder",
  tags: ["Issuer: orders"],
  summary: "One order, with freshly signed URLs",
  params: orderParams,
  responses: { 200: { description: "The order", schema: orderViewSchema } },
  errors: ["not_found"],
  handle({ request, env, tenant, params }) {
    return orderResponse(env, tenant, request, params.number);
  },
});
