import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { isoFromSeconds } from "../../../utils/time.ts";
import { rotateWebhookSecret as rotate } from "../../../webhooks/webhookSecrets.ts";
import { rotatedSecretSchema } from "./webhookSchemas.ts";

const rotateBodySchema = z.strictObject({
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .default(86400)
    .meta({ description: "How long the replaced secret keeps signing too (default 24 h; 0 = stop at once)" }),
});

/**
 * A new webhook secret, shown once. During the grace period every delivery carries two
 * signatures (`v1,<new> v1,<old>`), so the store can switch its verifier at leisure.
 */
export const rotateWebhookSecret = defineEndpoint({
  method: "post",
  path: "/webhooks/secret",
  access: "admin",
  operationId: "rotateWebhookSecret",
  tags: ["Issuer: webhooks"],
  summary: "Create or rotate the webhook signing secret (shown once)",
  body: rotateBodySchema,
  responses: { 201: { description: "The new secret", schema: rotatedSecretSchema } },
  errors: [],
  async handle({ env, tenant, body }) {
    const rotated = await rotate(env, tenant.id, body.grace_seconds);
    return json(
      {
        secret: rotated.secret,
        created_at: isoFromSeconds(rotated.createdAt),
        previous_valid_until: isoFromSeconds(rotated.previousValidUntil),
      },
      201,
      { "Cache-Control": "no-store" },
    );
  },
});
