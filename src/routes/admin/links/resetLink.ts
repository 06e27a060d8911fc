import { defineEndpoint } from "../../../http/endpoint.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { linkParams } from "./linkParams.ts";
import { changeLink } from "./linkRecord.ts";
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
  async handle({ env, ctx, tenant, params }) {
    return changeLink(env, ctx, tenant.id, params.id, () => linkStub(env, tenant.id, params.id).reset());
  },
});
