import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { newAdminKey } from "../../../auth/adminKey.ts";
import { adminKeys, tenantHosts, tenants } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { forgetTenant } from "../../../tenants/resolveTenant.ts";
import { newSigningKey } from "../keys/signingKeyRecord.ts";
import { encryptedCustomerSecret, tenantView, uniqueFreeHosts } from "./tenantRecord.ts";
import { createdTenantSchema, createTenantSchema } from "./tenantSchemas.ts";

/** The tenant, its first admin key and its first HS256 signing key, written in one batch; secrets shown once. */
export const createTenant = defineEndpoint({
  method: "post",
  path: "/tenants",
  access: "operator",
  operationId: "createTenant",
  tags: ["Operator"],
  summary: "Create a tenant with its first admin key and HS256 signing key (secrets shown once)",
  body: createTenantSchema,
  responses: { 201: { description: "Created", schema: createdTenantSchema } },
  errors: [],
  async handle({ env, body }) {
    const db = drizzle(env.DB);
    const [existing] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, body.id)).limit(1);
    if (existing)
      throw new HttpError("bad_request", "That tenant id is taken.", {}, [{ path: "id", message: "already exists" }]);
    const hosts = await uniqueFreeHosts(env, body.hosts, body.id);
    const customerSecretEnc = body.customer_secret ? await encryptedCustomerSecret(env, body.customer_secret) : null;
    const admin = await newAdminKey();
    const signing = await newSigningKey(env, body.id, { alg: "HS256", kid: "k1" });
    await db.batch([
      db.insert(tenants).values({
        id: body.id,
        name: body.name,
        originUrl: body.origin_url ?? null,
        settings: JSON.stringify(body.settings),
        customerSecretEnc,
      }),
      ...hosts.map((host) => db.insert(tenantHosts).values({ host, tenantId: body.id })),
      db.insert(adminKeys).values({ id: admin.id, tenantId: body.id, name: "first key", hash: admin.hash }),
      signing.statement(db),
    ]);
    // A lookup made before the tenant existed may have cached "no such tenant/host".
    forgetTenant();
    return json({ tenant: await tenantView(env, body.id), admin_key: admin.key, signing_key: signing.view }, 201);
  },
});
