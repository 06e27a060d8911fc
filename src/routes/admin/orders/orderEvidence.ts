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

const fileStatus = z.enum(["unchanged", "replaced", "deleted"]).meta({
  description:
    "what became of the file after the logged deliveries: unchanged (the stored version is the one they sent, " +
    "or nothing was sent); replaced (uploaded or registered again after a delivery: name, size and sha256 " +
    "describe the current version, not necessarily what was sent); deleted (name, size and sha256 are null)",
});

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
            uploaded_at: isoDate.nullable().meta({
              description:
                "when the stored version was uploaded (or fetched from its source URL); null when none is stored",
            }),
            file_status: fileStatus,
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
          file_name: z.string().nullable().meta({ description: "the file's current name" }),
          file_version: z.enum(["current", "earlier"]).meta({
            description: "current: answered from the version stored now; earlier: before it was replaced or deleted",
          }),
          ip: z.string().nullable(),
          country: z.string().nullable(),
          user_agent: z.string().nullable(),
          device: z.string().nullable(),
          range: z.string().nullable(),
          status: z.number().int(),
          bytes_sent: nullableInt,
          file_size: nullableInt.meta({
            description:
              "size of the version answered from: a 200's own length; else the current size, or null for an earlier version",
          }),
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
        .meta({ description: "files received in full (per_file.fully_delivered)" }),
      files: z.number().int(),
      first_download_at: isoDate.nullable(),
      last_download_at: isoDate.nullable(),
      per_file: z.array(
        z.object({
          link_id: z.string(),
          file_id: z.string(),
          file_status: fileStatus,
          bytes_delivered: z.number().int(),
          size: nullableInt.meta({ description: "the current version's size" }),
          fully_delivered: z.boolean().meta({
            description:
              "a 200 was written to the end (a whole file, whatever version it was), or the ranges written from " +
              "the current version together cover every byte of it",
          }),
          earlier_version_ranges: z
            .number()
            .int()
            .meta({
              description:
                "206 answers that wrote bytes of a version since replaced or deleted: the log keeps no size for that " +
                "version, so whether they covered it is not judged",
            }),
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
    const evidence = await loadEvidence(env.DB, env.FILES, tenant.id, params.number);
    if (!evidence) throw new HttpError("not_found", `There is no order ${JSON.stringify(params.number)}.`);
    const html = query.format ? query.format === "html" : prefersHtml(request.headers.get("Accept"));
    if (html) return evidencePage(evidence, tenant.settings.store_name ?? tenant.name);
    return json(evidence, 200, { Vary: "Accept" });
  },
});
