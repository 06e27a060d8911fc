import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { webhookDeadLetters } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import type { WebhookMessage } from "../../../webhooks/webhookMessage.ts";
import { deadLetterView, loadDeadLetter } from "./deadLetterRows.ts";
import { deadLetterSchema } from "./webhookSchemas.ts";

const deadLetterParams = z.strictObject({ id: z.string().max(200).meta({ description: "Dead letter id" }) });

/**
 * Queues a dead letter again, as it was: same `webhook-id`, same body (a receiver that did
 * get it after all recognises the repeat), with a fresh set of attempts. Should those fail
 * too, it comes back as a new dead letter.
 */
export const replayDeadLetter = defineEndpoint({
  method: "post",
  path: "/webhooks/dead-letters/:id/replay",
  access: "admin",
  operationId: "replayWebhookDeadLetter",
  tags: ["Issuer: webhooks"],
  summary: "Queue a failed webhook delivery again",
  params: deadLetterParams,
  body: "none",
  responses: { 202: { description: "Queued; `replayed_at` is set", schema: deadLetterSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const row = await loadDeadLetter(env, tenant.id, params.id);
    const message: WebhookMessage = {
      tenant_id: row.tenantId,
      webhook_id: row.webhookId,
      type: row.type,
      body: row.body,
    };
    await env.WEBHOOKS.send(message, { contentType: "json" });
    const replayedAt = Date.now();
    await drizzle(env.DB)
      .update(webhookDeadLetters)
      .set({ replayedAt })
      .where(and(eq(webhookDeadLetters.tenantId, tenant.id), eq(webhookDeadLetters.id, row.id)));
    return json(deadLetterView({ ...row, replayedAt }), 202);
  },
});
