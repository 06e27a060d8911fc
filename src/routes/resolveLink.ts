import type { Env } from "../env.ts";
import { tokenError } from "../policy/refusalError.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { requestTenant } from "../tenants/resolveTenant.ts";
import type { Claims } from "../token/claims.ts";
import { verifyToken } from "../token/verifyToken.ts";

export interface ResolvedLink {
  tenant: Tenant;
  claims: Claims;
}

/**
 * Tenant (from `/api/:tenant/` or the Host) plus a verified token, or an
 * `invalid_token` error. A request for an unknown tenant cannot have a valid token; a
 * prefix naming another tenant than the Host's is 404 before any token is looked at.
 */
export async function resolveLink(
  request: Request,
  env: Env,
  token: string,
  tenantParam?: string,
): Promise<ResolvedLink> {
  // A prefix naming another tenant than the Host's is 404 (requestTenant, docs/CONTRACT.md §4).
  const tenant = await requestTenant(env, request, tenantParam);
  if (!tenant) throw tokenError("wrong_tenant");
  const verdict = await verifyToken(token, tenant.keyring, tenant.id);
  if (!verdict.ok) throw tokenError(verdict.reason);
  return { tenant, claims: verdict.claims };
}
