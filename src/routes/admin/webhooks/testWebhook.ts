import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { randomToken } from "../../../utils/encoding.ts";
import { postWebhook } from "../../../webhooks/postWebhook.ts";
import { WEBHOOK_TEST_TYPE } from "../../../webhooks/webhookEvents.ts";
import { webhookBody } from "../../../webhooks/webhookMessage.ts";
import { webhookSigningSecrets } from "../../../webhooks/webhookSecrets.ts";
import { testDeliverySchema } from "./webhookSchemas.ts";

/**
 * Sends one signed `webhook.test` event to the tenant's `webhook_url` right now (not
 * through the queue, no retries) and answers what the receiver did: a store checks its
 * endpoint and its verification code with it.
 */
export const testWebhook = defineEndpoint({
  method: "post",
  path: "/webhooks/test",
  access: "admin",
  operationId: "testWebhook",
  tags: ["Issuer: webhooks"],
  summary: "Send a signed test event to the webhook URL and report the receiver's answer",
  body: "none",
  responses: { 200: { description: "What the receiver answered", schema: testDeliverySchema } },
  errors: ["conflict"],
  async handle({ env, tenant }) {
    const url = tenant.settings.webhook_url;
    if (!url) throw new HttpError("conflict", "Set the tenant setting webhook_url first.");
    const secrets = await webhookSigningSecrets(env, tenant.id);
    if (secrets.length === 0)
      throw new HttpError("conflict", "Create a webhook secret first: POST /admin/v1/webhooks/secret.");
    const webhookId = `msg_test_${randomToken(12)}`;
    const body = webhookBody({ type: WEBHOOK_TEST_TYPE, at: Date.now(), data: { tenant_id: tenant.id } });
    const result = await postWebhook(url, secrets, { webhook_id: webhookId, body });
    return json({ delivered: result.ok, webhook_id: webhookId, status: result.status, error: result.error });
  },
});
