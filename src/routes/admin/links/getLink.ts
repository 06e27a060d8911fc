import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { suppressedRequests } from "../../../scanners/suppressedRequests.ts";
import { linkParams } from "./linkParams.ts";
import { linkView, loadLink } from "./linkRecord.ts";
import { linkSchema } from "./linkSchemas.ts";

export const getLink = defineEndpoint({
  method: "get",
  path: "/links/:id",
  access: "admin",
  operationId: "getLink",
  tags: ["Issuer: links"],
  summary: "One link, with its Durable Object's live count and overrides",
  params: linkParams,
  responses: { 200: { description: "The link", schema: linkSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const row = await loadLink(env, tenant.id, params.id);
    const [state, suppressed] = await Promise.all([
      linkStub(env, tenant.id, params.id).snapshot(),
      suppressedRequests(env.DB, tenant.id, params.id),
    ]);
    return json(linkView(row, state, suppressed));
  },
});
