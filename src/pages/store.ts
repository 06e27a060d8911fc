import type { Tenant } from "../tenants/loadTenant.ts";

/** What a customer-facing page says about the store that sold the file (tenant settings). */
export interface PageStore {
  name: string;
  url: string | null;
  supportUrl: string | null;
  signInUrl: string | null;
}

/** The store of a tenant: `store_name` (else the tenant's name) and its links. */
export function storeOf(tenant: Pick<Tenant, "name" | "settings">): PageStore {
  const s = tenant.settings;
  return {
    name: s.store_name ?? tenant.name,
    url: s.store_url ?? null,
    supportUrl: s.support_url ?? null,
    signInUrl: s.sign_in_url ?? null,
  };
}
