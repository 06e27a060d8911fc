import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { tenantParams } from "./tenantParams.ts";
import { tenantView } from "./tenantRecord.ts";
import { tenantSchema } from "./tenantSchemas.ts";

export const getTenant = defineEndpoint({
  method: "get",
  path: "/tenants/:id",
  access: "operator",
  operationId: "getTenant",
  tags: ["Operator"],
  summary: "One tenant",
  params: tenantParams,
  responses: { 200: { description: "The tenant", schema: tenantSchema } },
  errors: ["not_found"],
  async handle({ env, params }) {
    return json(await tenantView(env, params.id));
  },
});
