import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { unavailable } from "../http/unavailable.ts";
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

function lookupFailed(error: unknown): HttpError {
  console.error("tenant lookup failed", error);
  return unavailable("The download service is briefly unavailable. Please try again shortly.", 5);
}

/** The tenant named by id (from `/api/:tenant/…`), or null if there is none. */
export async function tenantById(env: Env, tenantId: string): Promise<Tenant | null> {
  if (!TENANT_ID.test(tenantId)) return null;
  try {
    return await tenantsById.get(tenantId, () => loadTenant(env, tenantId));
  } catch (error) {
    throw lookupFailed(error);
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
    throw lookupFailed(error);
  }
  return tenantId ? tenantById(env, tenantId) : null;
}

/**
 * The tenant a gateway route serves (docs/CONTRACT.md §4): the Host's tenant, or the one the
 * `/api/<tenant>/…` prefix names. Null when there is none.
 *
 * When the Host belongs to a tenant, a prefix naming another tenant is refused with 404:
 * a browser sends the cookies of tenant A's host with every request to that host, so if
 * `https://a.example/api/b/my/downloads` were served as tenant B, one link from store B
 * (or anyone) would hand A's customers' session cookies to B's `auth_url`, and show B's
 * data under A's name. The prefix form is for hosts that belong to no tenant (a shared
 * gateway domain); `customerId` decides separately which credentials such a host may use.
 */
export async function requestTenant(
  env: Env,
  request: Request,
  tenantParam: string | undefined,
): Promise<Tenant | null> {
  const hostTenant = await tenantByHost(env, new URL(request.url).host);
  if (tenantParam === undefined) return hostTenant;
  if (hostTenant && hostTenant.id !== tenantParam) throw foreignTenant();
  return hostTenant ?? tenantById(env, tenantParam);
}

function foreignTenant(): HttpError {
  return new HttpError("not_found", "There is no such store at this address.");
}

/**
 * How the request's Host relates to `tenant`: `own` when the Host belongs to it, `shared`
 * when the Host belongs to no tenant (the `/api/<tenant>/…` form), `foreign` when it
 * belongs to another tenant. Credentials are scoped by it (auth/customerIdentity.ts).
 */
export async function hostScope(env: Env, request: Request, tenant: Tenant): Promise<"own" | "shared" | "foreign"> {
  const hostTenant = await tenantByHost(env, new URL(request.url).host);
  if (!hostTenant) return "shared";
  return hostTenant.id === tenant.id ? "own" : "foreign";
}

/** "Shop.Example.com.:8787" → "shop.example.com"; "[::1]:8787" → "[::1]". */
export function normalizeHost(hostHeader: string | null): string | null {
  if (!hostHeader) return null;
  const host = hostHeader.trim().toLowerCase();
  const withoutPort = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  // `shop.example.com.` is the same name, fully qualified: it must find the same tenant, or a
  // trailing dot would turn a store's own host into a shared one that serves any `/api/<tenant>/`.
  const name = withoutPort?.endsWith(".") ? withoutPort.slice(0, -1) : withoutPort;
  return name && name.length <= 253 ? name : null;
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
