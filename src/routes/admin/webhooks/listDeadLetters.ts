import { and, desc, eq, lt, or } from "drizzle-orm";
import { decimalInteger } from "../../../http/textInput.ts";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { webhookDeadLetters } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { deadLetterView } from "./deadLetterRows.ts";
import { deadLettersPageSchema } from "./webhookSchemas.ts";

const deadLettersQuerySchema = z.strictObject({
  limit: decimalInteger(1, 500, "rows per page (default 100)").default(100),
  cursor: z
    .string()
    .regex(/^\d+_[A-Za-z0-9_-]+$/)
    .optional(),
});

/** Deliveries that failed every attempt, newest first, keyset-paginated on (time, id). */
export const listDeadLetters = defineEndpoint({
  method: "get",
  path: "/webhooks/dead-letters",
  access: "admin",
  operationId: "listWebhookDeadLetters",
  tags: ["Issuer: webhooks"],
  summary: "Webhook deliveries that failed every attempt, newest first",
  query: deadLettersQuerySchema,
  responses: { 200: { description: "One page", schema: deadLettersPageSchema } },
  errors: [],
  async handle({ env, tenant, query }) {
    let after = undefined;
    if (query.cursor) {
      const cut = query.cursor.indexOf("_");
      const at = Number(query.cursor.slice(0, cut));
      const id = query.cursor.slice(cut + 1);
      after = or(
        lt(webhookDeadLetters.failedAt, at),
        and(eq(webhookDeadLetters.failedAt, at), lt(webhookDeadLetters.id, id)),
      );
    }
    const rows = await drizzle(env.DB)
      .select()
      .from(webhookDeadLetters)
      .where(and(eq(webhookDeadLetters.tenantId, tenant.id), after))
      .orderBy(desc(webhookDeadLetters.failedAt), desc(webhookDeadLetters.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return json({
      data: page.map(deadLetterView),
      next_cursor: rows.length > query.limit && last ? `${last.failedAt}_${last.id}` : null,
    });
  },
});
