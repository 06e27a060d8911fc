import { eq, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { tenantHosts, tenants } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { forgetTenant } from "../../../tenants/resolveTenant.ts";
import { tenantParams } from "./tenantParams.ts";
import { encryptedCustomerSecret, tenantView, uniqueFreeHosts } from "./tenantRecord.ts";
import { createTenantSchema, optionalWithoutDefaults, settingsPatchSchema, tenantSchema } from "./tenantSchemas.ts";

export const updateTenantSchema = z
  .strictObject({
    ...optionalWithoutDefaults(createTenantSchema.omit({ id: true, settings: true }).shape),
    settings: settingsPatchSchema.optional(),
  })
  .meta({ id: "UpdateTenant" });

/**
 * Name, hosts (replaced as a whole), origin, settings (merged: a setting given replaces the
 * stored one, `null` removes it so its default applies again), customer secret. Only the
 * fields given are written, and the settings are merged by D1 in the UPDATE itself, so two
 * concurrent PATCHes of different fields or settings both take effect.
 */
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
    await tenantView(env, id); // 404 for an unknown tenant
    const hosts = body.hosts ? await uniqueFreeHosts(env, body.hosts, id) : undefined;
    const customerSecretEnc = body.customer_secret
      ? await encryptedCustomerSecret(env, body.customer_secret)
      : undefined;
    const changes: Partial<typeof tenants.$inferInsert> = {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.origin_url !== undefined && { originUrl: body.origin_url }),
      ...(customerSecretEnc && { customerSecretEnc }),
    };
    const settings = body.settings && Object.keys(body.settings).length > 0 ? mergedSettings(body.settings) : undefined;
    const db = drizzle(env.DB);
    const update =
      Object.keys(changes).length > 0 || settings
        ? [
            db
              .update(tenants)
              .set({ ...changes, ...(settings && { settings }) })
              .where(eq(tenants.id, id)),
          ]
        : [];
    const hostChanges = hosts
      ? [
          db.delete(tenantHosts).where(eq(tenantHosts.tenantId, id)),
          ...hosts.map((host) => db.insert(tenantHosts).values({ host, tenantId: id })),
        ]
      : [];
    const statements = [...update, ...hostChanges];
    if (statements.length > 0) await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
    forgetTenant();
    return json(await tenantView(env, id));
  },
});

/**
 * The stored settings with `patch` merged in, as SQL that D1 evaluates against the row it
 * updates (never a value read earlier, which a concurrent PATCH may have changed since).
 * Each setting given is first removed, so an object value (`sharing`) replaces the stored
 * one whole rather than merging into it; JSON Merge Patch (`json_patch`) then sets the
 * given values and leaves a `null` one removed.
 */
function mergedSettings(patch: Record<string, unknown>): SQL {
  const paths = Object.keys(patch).map((key) => sql`${`$.${key}`}`);
  return sql`json_patch(json_remove(${tenants.settings}, ${sql.join(paths, sql`, `)}), ${JSON.stringify(patch)})`;
}
