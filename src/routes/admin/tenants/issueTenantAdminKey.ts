import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { insertAdminKey } from "../adminKeys/adminKeyRecord.ts";
import { adminKeySchema, createAdminKeySchema } from "../adminKeys/adminKeySchemas.ts";
import { tenantParams } from "./tenantParams.ts";
import { tenantView } from "./tenantRecord.ts";

/** An admin key for a tenant, by the operator (e.g. when the tenant has lost every key). */
export const issueTenantAdminKey = defineEndpoint({
  method: "post",
  path: "/tenants/:id/admin-keys",
  access: "operator",
  operationId: "issueTenantAdminKey",
  tags: ["Operator"],
  summary: "Issue an admin API key for a tenant (the key is shown once)",
  params: tenantParams,
  body: createAdminKeySchema,
  responses: { 201: { description: "Created", schema: adminKeySchema } },
  errors: ["not_found"],
  async handle({ env, params, body }) {
    await tenantView(env, params.id);
    return json(await insertAdminKey(env, params.id, body.name), 201);
  },
});
