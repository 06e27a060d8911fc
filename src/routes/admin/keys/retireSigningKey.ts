import { and, eq } from "drizzle-orm";
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
 * within the tenant cache's 30 s.
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
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const [row] = await drizzle(env.DB)
      .update(signingKeys)
      .set({ status: "retired", retiredAt: nowSeconds() })
      .where(and(eq(signingKeys.tenantId, tenant.id), eq(signingKeys.kid, params.kid)))
      .returning();
    if (!row) throw new HttpError("not_found", `There is no key ${JSON.stringify(params.kid)}.`);
    forgetTenant(tenant.id);
    return json(signingKeyView(row));
  },
});
