import { defineEndpoint } from "../../../http/endpoint.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { linkParams } from "./linkParams.ts";
import { loadLink, respondWithState } from "./linkRecord.ts";
import { linkSchema } from "./linkSchemas.ts";

/** Count, devices and resume history start over. */
export const resetLink = defineEndpoint({
  method: "post",
  path: "/links/:id/reset",
  access: "admin",
  operationId: "resetLink",
  tags: ["Issuer: links"],
  summary: "Start the link's count, devices and resume history over",
  params: linkParams,
  body: "none",
  responses: { 200: { description: "The link as it is now", schema: linkSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const row = await loadLink(env, tenant.id, params.id);
    return respondWithState(env, tenant.id, row, await linkStub(env, tenant.id, params.id).reset());
  },
});
