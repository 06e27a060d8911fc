import { drizzle } from "drizzle-orm/d1";
import { tenants } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { tenantView } from "./tenantRecord.ts";
import { tenantListSchema } from "./tenantSchemas.ts";

export const listTenants = defineEndpoint({
  method: "get",
  path: "/tenants",
  access: "operator",
  operationId: "listTenants",
  tags: ["Operator"],
  summary: "Every tenant",
  responses: { 200: { description: "The tenants, by id", schema: tenantListSchema } },
  errors: [],
  async handle({ env }) {
    const rows = await drizzle(env.DB).select({ id: tenants.id }).from(tenants).orderBy(tenants.id);
    return json({ data: await Promise.all(rows.map((r) => tenantView(env, r.id))) });
  },
});
