import { z } from "zod";
import { decimalInteger } from "../../../http/textInput.ts";
import { CURSOR_PATTERN } from "../../../events/eventQuery.ts";
import { fileIdSchema, orderNumberSchema } from "../../../orders/orderSchemas.ts";
import { linkIdSchema } from "../../../token/claims.ts";
import { downloadEventSchema } from "../links/linkSchemas.ts";

/** The query of `GET /admin/v1/events`: filters, order, page, format. Strict: anything else is 400. */
export const eventsQuerySchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional().meta({ description: "only rows at or after this instant" }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: "only rows before this instant" }),
    order_number: orderNumberSchema.optional(),
    // The shapes ids are created with: a filter that can match nothing is a mistake, said as one.
    link_id: linkIdSchema.optional(),
    file_id: fileIdSchema.optional(),
    customer_id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: "the customer of the link (links made through the issuer API)" }),
    outcome: z.enum(["completed", "aborted"]).optional(),
    counted: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    sort: z.enum(["newest", "oldest"]).default("newest"),
    format: z
      .enum(["json", "csv", "ndjson"])
      .default("json")
      .meta({ description: "`json`: one page; `csv` and `ndjson`: every matching row, streamed" }),
    limit: decimalInteger(1, 1000, "rows per JSON page (default 100)").optional(),
    cursor: z.string().regex(CURSOR_PATTERN, "a next_cursor of a previous page").optional(),
  })
  .superRefine((query, issues) => {
    if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
      issues.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    }
    if (query.format !== "json") {
      // A streamed export is the whole result: a page size or a cursor would be silently ignored.
      for (const name of ["limit", "cursor"] as const) {
        if (query[name] !== undefined)
          issues.addIssue({
            code: "custom",
            path: [name],
            message: `only with format=json (${query.format} streams every row)`,
          });
      }
    }
  });

/** A row of the tenant-wide log: a link's download event plus where it belongs (order, link, file, customer). */
export const eventRowSchema = downloadEventSchema
  .extend({
    order_number: z.string().nullable(),
    link_id: z.string(),
    file_id: z.string(),
    customer_id: z
      .string()
      .nullable()
      .meta({ description: "the link's customer; null for links the store signed itself" }),
  })
  .meta({ id: "LogRow" });

export const eventsPageSchema = z
  .object({
    data: z.array(eventRowSchema),
    next_cursor: z.string().nullable().meta({ description: "pass as `cursor` for the next page; null on the last" }),
  })
  .meta({ id: "LogPage" });
