import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { tenantHosts, tenants } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { forgetTenant } from "../../../tenants/resolveTenant.ts";
import { tenantParams } from "./tenantParams.ts";
import { encryptedCustomerSecret, tenantView, uniqueFreeHosts } from "./tenantRecord.ts";
import { createTenantSchema, optionalWithoutDefaults, tenantSchema } from "./tenantSchemas.ts";

export const updateTenantSchema = z
  .strictObject(optionalWithoutDefaults(createTenantSchema.omit({ id: true }).shape))
  .meta({ id: "UpdateTenant" });

/** Name, hosts (replaced as a whole), origin, settings (merged), customer secret. */
export const updateTenant = defineEndpoint({
  method: "patch",
  path: "/tenants/:id",
  access: "operator",
  operationId: "updateTenant",
  tags: ["Operator"],
  summary: "Change a tenant: hosts are replaced as a whole, settings merged",
  params: tenantParams,
  body: updateTenantSchema,
  responses: { 200: { description: "The tenant as it is now", schema: tenantSchema } },
  errors: ["not_found"],
  async handle({ env, params, body }) {
    const { id } = params;
    const current = await tenantView(env, id);
    const hosts = body.hosts ? await uniqueFreeHosts(env, body.hosts, id) : undefined;
    const settings = body.settings ? { ...current.settings, ...body.settings } : current.settings;
    const customerSecretEnc = body.customer_secret
      ? await encryptedCustomerSecret(env, body.customer_secret)
      : undefined;
    const db = drizzle(env.DB);
    await db.batch([
      db
        .update(tenants)
        .set({
          name: body.name ?? current.name,
          originUrl: body.origin_url === undefined ? current.origin_url : body.origin_url,
          settings: JSON.stringify(settings),
          ...(customerSecretEnc ? { customerSecretEnc } : {}),
        })
        .where(eq(tenants.id, id)),
      ...(hosts
        ? [
            db.delete(tenantHosts).where(eq(tenantHosts.tenantId, id)),
            ...hosts.map((host) => db.insert(tenantHosts).values({ host, tenantId: id })),
          ]
        : []),
    ]);
    forgetTenant();
    return json(await tenantView(env, id));
  },
});
