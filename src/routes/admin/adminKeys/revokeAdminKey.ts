import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { adminKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { nowSeconds } from "../../../utils/time.ts";
import { adminKeyView } from "./adminKeyRecord.ts";
import { adminKeySchema } from "./adminKeySchemas.ts";

/** Revokes a key of the caller's own tenant; another tenant's key id is simply not found. */
export const revokeAdminKey = defineEndpoint({
  method: "delete",
  // A field sent along is refused, not ignored while the delete goes ahead.
  body: "none",
  path: "/admin-keys/:id",
  access: "admin",
  operationId: "revokeAdminKey",
  tags: ["Issuer: keys"],
  summary: "Revoke an admin API key",
  params: z.strictObject({ id: z.string().meta({ description: "The key's id (its public prefix)" }) }),
  responses: { 200: { description: "The revoked key", schema: adminKeySchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const [row] = await drizzle(env.DB)
      .update(adminKeys)
      .set({ revokedAt: nowSeconds() })
      .where(and(eq(adminKeys.tenantId, tenant.id), eq(adminKeys.id, params.id), isNull(adminKeys.revokedAt)))
      .returning();
    if (!row) throw new HttpError("not_found", `There is no active admin key ${JSON.stringify(params.id)}.`);
    return json(adminKeyView(row));
  },
});
