import { z } from "zod";
import { decodeCursor, encodeCursor, loadEventPage, type EventFilter } from "../../../events/eventQuery.ts";
import { eventRowView } from "../../../events/eventRow.ts";
import { eventStream } from "../../../events/eventStream.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { SECURITY_HEADERS } from "../../../http/securityHeaders.ts";
import { eventsPageSchema, eventsQuerySchema } from "./eventSchemas.ts";

/** Rows per D1 read of a streamed export: one page in memory (two while the next is read). */
export const EXPORT_PAGE_ROWS = 1000;
const DEFAULT_PAGE = 100;

/** `GET /admin/v1/events`: the tenant's download log across links (docs/CONTRACT.md §10). */
export const listEvents = defineEndpoint({
  method: "get",
  path: "/events",
  access: "admin",
  operationId: "listEvents",
  tags: ["Issuer: download log"],
  summary: "The tenant's download log: filtered, keyset-paginated JSON, or a streamed CSV / NDJSON export",
  description:
    "Rows of every link of the tenant. `format=json` (default) answers one page and a `next_cursor`; " +
    "`format=csv` (RFC 4180, a header row, formula-like cells prefixed with `'`) and `format=ndjson` " +
    "stream every matching row, read from D1 page by page.",
  query: eventsQuerySchema,
  responses: {
    200: {
      description: "A page (JSON) or the whole export (CSV, NDJSON)",
      content: {
        "application/json": { schema: eventsPageSchema },
        "text/csv": { schema: z.string() },
        "application/x-ndjson": { schema: z.string() },
      },
    },
  },
  errors: [],
  async handle({ env, tenant, query }) {
    const filter: EventFilter = {
      ...(query.from && { from: Date.parse(query.from) }),
      ...(query.to && { to: Date.parse(query.to) }),
      ...(query.order_number !== undefined && { orderNumber: query.order_number }),
      ...(query.link_id !== undefined && { linkId: query.link_id }),
      ...(query.file_id !== undefined && { fileId: query.file_id }),
      ...(query.customer_id !== undefined && { customerId: query.customer_id }),
      ...(query.outcome !== undefined && { outcome: query.outcome }),
      ...(query.counted !== undefined && { counted: query.counted }),
    };
    const page = (after: Parameters<typeof loadEventPage>[4], limit: number) =>
      loadEventPage(env.DB, tenant.id, filter, query.sort, after, limit);

    if (query.format === "json") {
      const result = await page(query.cursor ? decodeCursor(query.cursor) : null, query.limit ?? DEFAULT_PAGE);
      return json({ data: result.rows.map(eventRowView), next_cursor: result.next && encodeCursor(result.next) });
    }
    const first = await page(null, EXPORT_PAGE_ROWS);
    const body = eventStream(query.format, first, (after) => page(after, EXPORT_PAGE_ROWS));
    const day = new Date().toISOString().slice(0, 10);
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        "Content-Type": query.format === "csv" ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson",
        "Content-Disposition": `attachment; filename="download-log-${tenant.id}-${day}.${query.format}"`,
      },
    });
  },
});
