import type { IRequest } from "itty-router";
import type { Env } from "../env.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { tenantByHost } from "../tenants/resolveTenant.ts";
import type { ProfileName } from "../tenants/tenantSettings.ts";

/** A route a compatibility profile adds (registered by router.ts before the proxy catch-all). */
export interface ProfileRoute {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "ALL";
  /** itty-router path pattern, e.g. `/api/shop/customer-downloadable-products`. */
  path: string;
  handler: (request: IRequest, env: Env, ctx: ExecutionContext) => Promise<Response | undefined>;
}

/**
 * The Host's tenant when it has `profile` enabled, else undefined — and a handler that
 * answers undefined lets the request fall through to the origin proxy (or 404), so a
 * store that did not enable a profile sees its own paths untouched. Profiles take their
 * tenant from the Host only, never from the path, so a profile path that looks like the
 * prefix form (`/api/merchello/…`) can never name another tenant (docs/CONTRACT.md §4).
 */
export async function tenantWithProfile(request: Request, env: Env, profile: ProfileName): Promise<Tenant | undefined> {
  const tenant = await tenantByHost(env, new URL(request.url).host);
  return tenant?.settings.profiles.includes(profile) ? tenant : undefined;
}
