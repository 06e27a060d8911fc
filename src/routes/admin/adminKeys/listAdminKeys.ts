import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { adminKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { adminKeyView } from "./adminKeyRecord.ts";
import { adminKeyListSchema } from "./adminKeySchemas.ts";

export const listAdminKeys = defineEndpoint({
  method: "get",
  path: "/admin-keys",
  access: "admin",
  operationId: "listAdminKeys",
  tags: ["Issuer: keys"],
  summary: "The tenant's admin API keys (ids and names, never the keys)",
  responses: { 200: { description: "The keys, oldest first", schema: adminKeyListSchema } },
  errors: [],
  async handle({ env, tenant }) {
    const rows = await drizzle(env.DB)
      .select()
      .from(adminKeys)
      .where(eq(adminKeys.tenantId, tenant.id))
      .orderBy(adminKeys.createdAt);
    return json({ data: rows.map(adminKeyView) });
  },
});
