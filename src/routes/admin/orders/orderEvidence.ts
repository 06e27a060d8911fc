import { z } from "zod";
import { evidencePage } from "../../../events/evidencePage.ts";
import { orderEvidence as loadEvidence } from "../../../events/orderEvidence.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { prefersHtml } from "../../../http/prefersHtml.ts";
import { orderNumberSchema } from "../../../orders/orderSchemas.ts";
import { isoDate } from "../adminSchemas.ts";

const nullableInt = z.number().int().nullable();

export const evidenceSchema = z
  .object({
    order: z.object({
      order_number: z.string(),
      customer_id: z.string(),
      status: z.enum(["pending", "complete", "canceled"]),
      purchased_at: isoDate,
    }),
    items: z.array(
      z.object({
        id: z.string(),
        product: z.object({
          id: z.string(),
          name: z.string(),
          variant_name: z.string().nullable(),
          sku: z.string().nullable(),
        }),
        files: z.array(
          z.object({
            file_id: z.string(),
            name: z.string().nullable(),
            size: nullableInt,
            mime_type: z.string().nullable(),
            sha256: z.string().nullable().meta({ description: "hex SHA-256 of the stored bytes, when known" }),
            link_id: z.string(),
            download_count: z.number().int(),
            download_limit: nullableInt.meta({
              description:
                "the limit in force, as the link view shows it: the store's override or the grant, plus added downloads; null = unlimited",
            }),
            revoked: z.boolean(),
          }),
        ),
      }),
    ),
    downloads: z
      .array(
        z.object({
          at: isoDate,
          link_id: z.string(),
          file_id: z.string(),
          file_name: z.string().nullable(),
          ip: z.string().nullable(),
          country: z.string().nullable(),
          user_agent: z.string().nullable(),
          device: z.string().nullable(),
          range: z.string().nullable(),
          status: z.number().int(),
          bytes_sent: nullableInt,
          file_size: nullableInt,
          outcome: z.enum(["completed", "aborted"]).nullable(),
          counted: z.boolean(),
          reason: z.string().nullable(),
          error: z.string().nullable(),
        }),
      )
      .meta({ description: "every request that reached the order's links, oldest first" }),
    totals: z.object({
      requests: z.number().int(),
      counted_downloads: z.number().int(),
      completed_downloads: z.number().int().meta({ description: "200 answers written to the end" }),
      completed_responses: z.number().int().meta({ description: "answers (200 or 206) written to the end" }),
      bytes_delivered: z.number().int(),
      files_fully_delivered: z
        .number()
        .int()
        .meta({ description: "files whose delivered ranges together cover every byte" }),
      files: z.number().int(),
      first_download_at: isoDate.nullable(),
      last_download_at: isoDate.nullable(),
      per_file: z.array(
        z.object({
          link_id: z.string(),
          file_id: z.string(),
          bytes_delivered: z.number().int(),
          size: nullableInt,
          fully_delivered: z.boolean(),
          completed_downloads: z.number().int(),
          counted_downloads: z.number().int(),
        }),
      ),
    }),
    truncated: z.boolean().meta({ description: "true when the log had more rows than one document holds (5,000)" }),
    generated_at: isoDate,
  })
  .meta({ id: "OrderEvidence" });

/**
 * `GET /admin/v1/orders/:number/evidence`: proof for a payment dispute (docs/CONTRACT.md §10),
 * JSON, or a printable page when `Accept` prefers text/html or `?format=html`.
 */
export const orderEvidence = defineEndpoint({
  method: "get",
  path: "/orders/:number/evidence",
  access: "admin",
  operationId: "orderEvidence",
  tags: ["Issuer: download log"],
  summary: "Evidence for a payment dispute: what was bought, each download with its facts, totals",
  params: z.strictObject({ number: orderNumberSchema }),
  query: z.strictObject({ format: z.enum(["json", "html"]).optional() }),
  responses: {
    200: {
      description: "The evidence (JSON), or the same as a printable page",
      content: { "application/json": { schema: evidenceSchema }, "text/html": { schema: z.string() } },
    },
  },
  errors: ["not_found"],
  async handle({ request, env, tenant, params, query }) {
    const evidence = await loadEvidence(env.DB, tenant.id, params.number);
    if (!evidence) throw new HttpError("not_found", `There is no order ${JSON.stringify(params.number)}.`);
    const html = query.format ? query.format === "html" : prefersHtml(request.headers.get("Accept"));
    if (html) return evidencePage(evidence, tenant.settings.store_name ?? tenant.name);
    return json(evidence, 200, { Vary: "Accept" });
  },
});
