import type { Env } from "../env.ts";
import { tenantByHost, tenantById } from "../tenants/resolveTenant.ts";
import { storeOf, type PageStore } from "./store.ts";

/**
 * The store an error page speaks for: the Host's tenant, else the tenant named by an
 * `/api/<tenant>/` prefix (on a shared gateway domain). Never another tenant's name on a
 * host that belongs to a tenant. A failed lookup (D1 down) gives a page without store
 * links rather than no page.
 */
export async function pageStoreFor(request: Request, env: Env): Promise<PageStore | null> {
  try {
    const url = new URL(request.url);
    const byHost = await tenantByHost(env, url.host);
    if (byHost) return storeOf(byHost);
    const prefix = /^\/api\/([a-z0-9-]{1,40})\//.exec(url.pathname)?.[1];
    const byPath = prefix ? await tenantById(env, prefix) : null;
    return byPath ? storeOf(byPath) : null;
  } catch {
    return null;
  }
}
