import { z } from "zod";
import { customerDataStream } from "../../../events/customerData.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { SECURITY_HEADERS } from "../../../http/securityHeaders.ts";
import { eventRowSchema } from "../events/eventSchemas.ts";
import { customerParams } from "./customerParams.ts";

const customerDataSchema = z
  .object({
    customer_id: z.string(),
    generated_at: z.iso.datetime(),
    orders: z.array(z.record(z.string(), z.unknown())).meta({ description: "orders with their items" }),
    links: z.array(z.record(z.string(), z.unknown())).meta({ description: "links with counts and restrictions" }),
    download_log: z.array(eventRowSchema).meta({ description: "every log row of the customer's links, oldest first" }),
  })
  .meta({ id: "CustomerData" });

/** `GET /admin/v1/customers/:id/data`: everything held about a customer (GDPR access and portability). */
export const customerData = defineEndpoint({
  method: "get",
  path: "/customers/:id/data",
  access: "admin",
  operationId: "customerData",
  tags: ["Issuer: privacy"],
  summary: "Everything the gateway holds about one customer: orders, links and download log rows",
  params: customerParams,
  responses: { 200: { description: "One JSON document (the log part streamed)", schema: customerDataSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const body = await customerDataStream(env.DB, tenant.id, params.id);
    if (!body) throw new HttpError("not_found", `No order or link names the customer ${JSON.stringify(params.id)}.`);
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": 'attachment; filename="customer-data.json"',
      },
    });
  },
});
