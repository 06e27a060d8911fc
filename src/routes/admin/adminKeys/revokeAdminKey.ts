import { and, eq, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { adminKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { nowSeconds } from "../../../utils/time.ts";
import { adminKeyView } from "./adminKeyRecord.ts";
import { adminKeySchema } from "./adminKeySchemas.ts";

/**
 * Revokes a key of the caller's own tenant; another tenant's key id is simply not found.
 * The tenant's last active key is kept (409): revoking it would lock the store out of its
 * own API until the operator issues a new one. To replace a leaked key, create the new one
 * first. Checked in the revoking statement, so two concurrent revocations leave one key.
 */
export const revokeAdminKey = defineEndpoint({
  method: "delete",
  // A field sent along is refused, not ignored while the delete goes ahead.
  body: "none",
  path: "/admin-keys/:id",
  access: "admin",
  operationId: "revokeAdminKey",
  tags: ["Issuer: keys"],
  summary: "Revoke an admin API key",
  params: z.strictObject({
    id: z
      .string()
      .regex(/^dlgk_[0-9a-f]{8}$/, "an admin key id such as dlgk_0123abcd (the key's public prefix)")
      .meta({ description: "The key's id (its public prefix)" }),
  }),
  responses: { 200: { description: "The revoked key", schema: adminKeySchema } },
  errors: ["not_found", "conflict"],
  async handle({ env, tenant, params }) {
    const db = drizzle(env.DB);
    const active = and(eq(adminKeys.tenantId, tenant.id), eq(adminKeys.id, params.id), isNull(adminKeys.revokedAt));
    const othersActive = sql`(SELECT COUNT(*) FROM admin_keys AS other
      WHERE other.tenant_id = ${tenant.id} AND other.revoked_at IS NULL AND other.id <> ${params.id}) > 0`;
    const [row] = await db
      .update(adminKeys)
      .set({ revokedAt: nowSeconds() })
      .where(and(active, othersActive))
      .returning();
    if (!row) {
      const [exists] = await db.select({ id: adminKeys.id }).from(adminKeys).where(active);
      if (!exists) throw new HttpError("not_found", `There is no active admin key ${JSON.stringify(params.id)}.`);
      throw new HttpError(
        "conflict",
        `Admin key ${JSON.stringify(params.id)} is the store's last active one: create its successor (POST /admin/v1/admin-keys) first.`,
      );
    }
    return json(adminKeyView(row));
  },
});
