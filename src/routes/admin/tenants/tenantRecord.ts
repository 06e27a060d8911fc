import { eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tenantHosts, tenants } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { encryptSecret } from "../../../tenants/secretBox.ts";
import { isoFromSeconds } from "../../../utils/time.ts";

/** The tenant as the operator sees it (tenantSchemas.ts `tenantSchema`), or 404. */
export async function tenantView(env: Env, id: string) {
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

/** A host serves one tenant: 400 naming each one another tenant has. The same host twice is one host. */
export async function uniqueFreeHosts(env: Env, hosts: string[], tenantId: string): Promise<string[]> {
  const unique = [...new Set(hosts)];
  if (unique.length === 0) return unique;
  const taken = await drizzle(env.DB).select().from(tenantHosts).where(inArray(tenantHosts.host, unique));
  const others = taken.filter((t) => t.tenantId !== tenantId).map((t) => t.host);
  if (others.length > 0) {
    throw new HttpError(
      "bad_request",
      "A host belongs to another tenant.",
      {},
      others.map((h) => ({ path: "hosts", message: `${h} is taken` })),
    );
  }
  return unique;
}

/** The storefront's customer-JWT secret as stored: encrypted with the deployment's MASTER_KEY. */
export function encryptedCustomerSecret(env: Env, secret: string): Promise<string> {
  return encryptSecret(env.MASTER_KEY, new TextEncoder().encode(secret));
}
