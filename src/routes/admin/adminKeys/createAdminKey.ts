import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { insertAdminKey } from "./adminKeyRecord.ts";
import { adminKeySchema, createAdminKeySchema } from "./adminKeySchemas.ts";

export const createAdminKey = defineEndpoint({
  method: "post",
  path: "/admin-keys",
  access: "admin",
  operationId: "createAdminKey",
  tags: ["Issuer: keys"],
  summary: "A new admin API key for the same tenant (the key is in this answer only)",
  body: createAdminKeySchema,
  responses: { 201: { description: "Created", schema: adminKeySchema } },
  errors: [],
  async handle({ env, tenant, body }) {
    return json(await insertAdminKey(env, tenant.id, body.name), 201);
  },
});
