import { z } from "zod";
import { customerDataStream } from "../../../events/customerData.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { SECURITY_HEADERS } from "../../../http/securityHeaders.ts";
import { isoDate } from "../adminSchemas.ts";
import { eventRowSchema } from "../events/eventSchemas.ts";
import { customerParams } from "./customerParams.ts";

export const customerDataSchema = z
  .object({
    customer_id: z.string(),
    generated_at: isoDate,
    orders: z.array(
      z.object({
        order_number: z.string(),
        status: z.enum(["pending", "complete", "canceled"]),
        purchased_at: isoDate.nullable(),
        items: z.array(
          z.object({
            id: z.string(),
            product_id: z.string(),
            product_name: z.string(),
            variant_name: z.string().nullable(),
            sku: z.string().nullable(),
          }),
        ),
      }),
    ),
    links: z.array(
      z.object({
        id: z.string(),
        order_number: z.string(),
        file_id: z.string(),
        file_name: z.string().nullable(),
        download_count: z.number().int(),
        download_limit: z
          .number()
          .int()
          .nullable()
          .meta({
            description:
              "the limit as set (the store's override, else the grant; null = unlimited), before extra_downloads: " +
              "the link and order views show the sum, the limit in force",
          }),
        extra_downloads: z.number().int().meta({ description: "downloads the store added (add_downloads)" }),
        expires_at: isoDate.nullable(),
        revoked: z.boolean(),
        ip_restriction: z.array(z.string()).nullable(),
        device_limit: z.number().int().nullable(),
        last_download_at: isoDate.nullable(),
      }),
    ),
    webhook_dead_letters: z
      .array(
        z.object({
          id: z.string(),
          webhook_id: z.string(),
          type: z.string(),
          failed_at: isoDate.nullable(),
          data: z.unknown().meta({ description: "the event's `data`, as it would be sent on a replay" }),
        }),
      )
      .meta({ description: "webhook deliveries about the customer's orders and links that failed for good" }),
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
