import { mintDownloadUrl } from "../links/mintDownloadUrl.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { linkGrantOf } from "./linkGrant.ts";
import type { OrderLinkRow } from "./orderRows.ts";

/**
 * A freshly signed gateway URL for one listed link, carrying the grant exactly as the
 * issuer API stored it (limit, expiry, ip/device restrictions, login requirement), so
 * the token says what the link's Durable Object enforces.
 */
export function mintLinkRowUrl(tenant: Tenant, baseUrl: string, row: OrderLinkRow): Promise<string> {
  return mintDownloadUrl(tenant, baseUrl, linkGrantOf(row));
}
