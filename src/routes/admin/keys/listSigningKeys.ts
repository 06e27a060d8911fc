import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { signingKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { signingKeyListSchema } from "./keySchemas.ts";
import { signingKeyView } from "./signingKeyRecord.ts";

export const listSigningKeys = defineEndpoint({
  method: "get",
  path: "/keys",
  access: "admin",
  operationId: "listSigningKeys",
  tags: ["Issuer: keys"],
  summary: "The tenant's signing keys, active and retired (never their secrets)",
  responses: { 200: { description: "The keys, oldest first", schema: signingKeyListSchema } },
  errors: [],
  async handle({ env, tenant }) {
    const rows = await drizzle(env.DB)
      .select()
      .from(signingKeys)
      .where(eq(signingKeys.tenantId, tenant.id))
      .orderBy(signingKeys.createdAt, sql`rowid`);
    return json({ data: rows.map((row) => signingKeyView(row)) });
  },
});
