import { and, eq, not, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { signingKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { forgetTenant } from "../../../tenants/resolveTenant.ts";
import { nowSeconds } from "../../../utils/time.ts";
import { kidSchema, signingKeySchema } from "./keySchemas.ts";
import { signingKeyView } from "./signingKeyRecord.ts";

/**
 * Links signed with a retired key stop verifying in this isolate at once and everywhere
 * within the tenant cache's 30 s. The tenant's last active HS256 key cannot be retired: the
 * gateway signs every URL it mints with one, so orders, listings and the hosted pages would
 * stop answering (create the next key first, docs/TOKEN.md). Checked in the same statement
 * as the retirement, so two concurrent retirements cannot leave none.
 */
export const retireSigningKey = defineEndpoint({
  method: "delete",
  // A field sent along is refused, not ignored while the delete goes ahead.
  body: "none",
  path: "/keys/:kid",
  access: "admin",
  operationId: "retireSigningKey",
  tags: ["Issuer: keys"],
  summary: "Retire a signing key: links signed with it stop verifying (everywhere within 30 s)",
  params: z.strictObject({ kid: kidSchema }),
  responses: { 200: { description: "The retired key", schema: signingKeySchema } },
  errors: ["not_found", "conflict"],
  async handle({ env, tenant, params }) {
    const db = drizzle(env.DB);
    const isLastSigner = sql`(${signingKeys.status} = 'active' AND ${signingKeys.alg} = 'HS256' AND (
      SELECT COUNT(*) FROM signing_keys AS other
      WHERE other.tenant_id = ${tenant.id} AND other.status = 'active' AND other.alg = 'HS256') <= 1)`;
    const [row] = await db
      .update(signingKeys)
      .set({ status: "retired", retiredAt: nowSeconds() })
      .where(and(eq(signingKeys.tenantId, tenant.id), eq(signingKeys.kid, params.kid), not(isLastSigner)))
      .returning();
    if (!row) {
      const [exists] = await db
        .select({ kid: signingKeys.kid })
        .from(signingKeys)
        .where(and(eq(signingKeys.tenantId, tenant.id), eq(signingKeys.kid, params.kid)));
      if (!exists) throw new HttpError("not_found", `There is no key ${JSON.stringify(params.kid)}.`);
      throw new HttpError(
        "conflict",
        `Key ${JSON.stringify(params.kid)} is the last active HS256 key, which signs every URL the gateway mints: create its successor (POST /admin/v1/keys) first.`,
      );
    }
    forgetTenant(tenant.id);
    return json(signingKeyView(row));
  },
});
