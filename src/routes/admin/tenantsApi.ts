import { eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { newAdminKey } from "../../auth/adminKey.ts";
import { adminKeys, tenantHosts, tenants } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { readJson } from "../../http/readJson.ts";
import { forgetTenant } from "../../tenants/resolveTenant.ts";
import { encryptSecret } from "../../tenants/secretBox.ts";
import { isoFromSeconds } from "../../utils/time.ts";
import { createAdminKeySchema, createTenantSchema, updateTenantSchema } from "./adminSchemas.ts";
import { insertSigningKey } from "./signingKeysApi.ts";

/** Operator scope: tenants and their first credentials. */

async function tenantView(env: Env, id: string) {
  const db = drizzle(env.DB);
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  if (!row) throw new HttpError("not_found", `There is no tenant ${JSON.stringify(id)}.`);
  const hosts = await db.select({ host: tenantHosts.host }).from(tenantHosts).where(eq(tenantHosts.tenantId, id));
  return {
    id: row.id,
    name: row.name,
    hosts: hosts.map((h) => h.host).sort(),
    origin_url: row.originUrl,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    has_customer_secret: row.customerSecretEnc !== null,
    created_at: isoFromSeconds(row.createdAt) as string,
  };
}

async function assertHostsFree(env: Env, hosts: string[], tenantId: string): Promise<void> {
  if (hosts.length === 0) return;
  const taken = await drizzle(env.DB).select().from(tenantHosts).where(inArray(tenantHosts.host, hosts));
  const others = taken.filter((t) => t.tenantId !== tenantId).map((t) => t.host);
  if (others.length > 0) {
    throw new HttpError(
      "bad_request",
      "A host belongs to another tenant.",
      {},
      others.map((h) => ({ path: "hosts", message: `${h} is taken` })),
    );
  }
}

/** `POST /admin/v1/tenants`: the tenant, its first admin key and its first HS256 signing key, secrets shown once. */
export async function createTenant(request: Request, env: Env): Promise<Response> {
  const body = await readJson(request, createTenantSchema);
  // The same host twice (hosts are lower-cased) is one host, not a primary-key failure.
  body.hosts = [...new Set(body.hosts)];
  const db = drizzle(env.DB);
  const [existing] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, body.id)).limit(1);
  if (existing)
    throw new HttpError("bad_request", "That tenant id is taken.", {}, [{ path: "id", message: "already exists" }]);
  await assertHostsFree(env, body.hosts, body.id);

  const customerSecretEnc = body.customer_secret
    ? await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(body.customer_secret))
    : null;
  const admin = await newAdminKey();
  const signing = await insertSigningKey(env, body.id, { alg: "HS256", kid: "k1" });
  await db.batch([
    db.insert(tenants).values({
      id: body.id,
      name: body.name,
      originUrl: body.origin_url ?? null,
      settings: JSON.stringify(body.settings),
      customerSecretEnc,
    }),
    ...body.hosts.map((host) => db.insert(tenantHosts).values({ host, tenantId: body.id })),
    db.insert(adminKeys).values({ id: admin.id, tenantId: body.id, name: "first key", hash: admin.hash }),
    signing.statement(db),
  ]);
  // A lookup made before the tenant existed may have cached "no such tenant/host".
  forgetTenant();
  return json({ tenant: await tenantView(env, body.id), admin_key: admin.key, signing_key: signing.view }, 201);
}

export async function listTenants(_request: Request, env: Env): Promise<Response> {
  const rows = await drizzle(env.DB).select({ id: tenants.id }).from(tenants).orderBy(tenants.id);
  return json({ data: await Promise.all(rows.map((r) => tenantView(env, r.id))) });
}

export async function getTenant(id: string, env: Env): Promise<Response> {
  return json(await tenantView(env, id));
}

/** `PATCH /admin/v1/tenants/:id`: name, hosts (replaced as a whole), origin, settings (merged), customer secret. */
export async function updateTenant(request: Request, env: Env, id: string): Promise<Response> {
  const current = await tenantView(env, id);
  const body = await readJson(request, updateTenantSchema);
  if (body.hosts) body.hosts = [...new Set(body.hosts)];
  const db = drizzle(env.DB);
  if (body.hosts) await assertHostsFree(env, body.hosts, id);
  const settings = body.settings ? { ...current.settings, ...body.settings } : current.settings;
  const customerSecretEnc = body.customer_secret
    ? await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(body.customer_secret))
    : undefined;
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
    ...(body.hosts
      ? [
          db.delete(tenantHosts).where(eq(tenantHosts.tenantId, id)),
          ...body.hosts.map((host) => db.insert(tenantHosts).values({ host, tenantId: id })),
        ]
      : []),
  ]);
  forgetTenant();
  return json(await tenantView(env, id));
}

/** `POST /admin/v1/tenants/:id/admin-keys`: an admin key for a tenant, by the operator. */
export async function issueTenantAdminKey(request: Request, env: Env, id: string): Promise<Response> {
  await tenantView(env, id);
  const body = await readJson(request, createAdminKeySchema);
  const admin = await newAdminKey();
  await drizzle(env.DB).insert(adminKeys).values({ id: admin.id, tenantId: id, name: body.name, hash: admin.hash });
  return json(
    { id: admin.id, name: body.name, key: admin.key, created_at: new Date().toISOString(), revoked_at: null },
    201,
  );
}
