import { and, desc, eq, lt, or } from "drizzle-orm";
import { decimalInteger } from "../../../http/textInput.ts";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { downloadEvents } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { isoFromMs } from "../../../utils/time.ts";
import { linkParams } from "./linkParams.ts";
import { loadLink } from "./linkRecord.ts";
import { downloadEventsPageSchema } from "./linkSchemas.ts";

const eventsQuerySchema = z.strictObject({
  limit: decimalInteger(1, 500, "rows per page (default 100)").default(100),
  cursor: z
    .string()
    .regex(/^\d+_[A-Za-z0-9-]+$/, "a next_cursor of a previous page")
    .optional()
    .meta({ description: "the `next_cursor` of the previous page" }),
});

/** The download log, newest first, keyset-paginated on (time, id). */
export const linkEvents = defineEndpoint({
  method: "get",
  path: "/links/:id/events",
  access: "admin",
  operationId: "linkEvents",
  tags: ["Issuer: links"],
  summary: "The link's download log, newest first, keyset-paginated",
  params: linkParams,
  query: eventsQuerySchema,
  responses: { 200: { description: "One page", schema: downloadEventsPageSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params, query }) {
    await loadLink(env, tenant.id, params.id);
    let after = undefined;
    if (query.cursor) {
      const [at, id] = query.cursor.split("_") as [string, string];
      after = or(lt(downloadEvents.at, Number(at)), and(eq(downloadEvents.at, Number(at)), lt(downloadEvents.id, id)));
    }
    const rows = await drizzle(env.DB)
      .select()
      .from(downloadEvents)
      .where(and(eq(downloadEvents.tenantId, tenant.id), eq(downloadEvents.linkId, params.id), after))
      .orderBy(desc(downloadEvents.at), desc(downloadEvents.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return json({
      data: page.map((e) => ({
        id: e.id,
        at: isoFromMs(e.at),
        ip: e.ip,
        user_agent: e.userAgent,
        country: e.country,
        range: e.range,
        status: e.status,
        bytes: e.bytes,
        bytes_sent: e.bytesSent,
        outcome: e.outcome,
        counted: e.counted,
        reason: e.reason,
        device: e.device,
        error: e.error,
      })),
      next_cursor: rows.length > query.limit && last ? `${last.at}_${last.id}` : null,
    });
  },
});
