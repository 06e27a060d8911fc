import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { StaleWhileErrorCache } from "../utils/StaleWhileErrorCache.ts";
import { loadTenant, loadTenantIdForHost, type Tenant } from "./loadTenant.ts";

/**
 * Tenant config and keys are cached per isolate so the download path reads no D1 row
 * per request. 30 s bounds how long a retired key or changed setting takes to apply.
 */
const TENANT_TTL_MS = 30_000;
const tenantsById = new StaleWhileErrorCache<Tenant | null>(TENANT_TTL_MS);
const tenantIdsByHost = new StaleWhileErrorCache<string | null>(TENANT_TTL_MS);

const TENANT_ID = /^[a-z0-9-]{1,40}$/;

function unavailable(error: unknown): HttpError {
  console.error("tenant lookup failed", error);
  return new HttpError("unavailable", "The download service is briefly unavailable. Please try again shortly.", {
    "Retry-After": "5",
  });
}

/** The tenant named by id (from `/api/:tenant/…`), or null if there is none. */
export async function tenantById(env: Env, tenantId: string): Promise<Tenant | null> {
  if (!TENANT_ID.test(tenantId)) return null;
  try {
    return await tenantsById.get(tenantId, () => loadTenant(env, tenantId));
  } catch (error) {
    throw unavailable(error);
  }
}

/** The tenant that owns the request's Host, or null. */
export async function tenantByHost(env: Env, hostHeader: string | null): Promise<Tenant | null> {
  const host = normalizeHost(hostHeader);
  if (!host) return null;
  let tenantId: string | null;
  try {
    tenantId = await tenantIdsByHost.get(host, () => loadTenantIdForHost(env, host));
  } catch (error) {
    throw unavailable(error);
  }
  return tenantId ? tenantById(env, tenantId) : null;
}

/** "Shop.Example.com:8787" → "shop.example.com"; "[::1]:8787" → "[::1]". */
export function normalizeHost(hostHeader: string | null): string | null {
  if (!hostHeader) return null;
  const host = hostHeader.trim().toLowerCase();
  const withoutPort = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return withoutPort && withoutPort.length <= 253 ? withoutPort : null;
}

/** Forget cached tenant data (after an admin change in this isolate, and in tests). */
export function forgetTenant(tenantId?: string): void {
  if (tenantId === undefined) {
    tenantsById.clear();
    tenantIdsByHost.clear();
  } else {
    tenantsById.delete(tenantId);
  }
}
