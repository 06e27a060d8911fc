import { HttpError } from "../http/HttpError.ts";
import { unavailable } from "../http/unavailable.ts";
import { signDownloadToken, type LinkGrant } from "../sdk/sign.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import type { VerificationKey } from "../token/keyring.ts";
import { cachedLinkToken } from "./linkTokenCache.ts";

/** The grant of one link as the issuer API stored it. */
export interface LinkGrantRow {
  id: string;
  fileId: string;
  fileName: string;
  customerId: string;
  orderNumber: string;
  downloadLimit: number | null;
  expiresAt: number | null;
  ipRestriction: string | null;
  deviceLimit: number | null;
  requireLogin: boolean;
  /** JSON arrays of country codes, or null. */
  allowedCountries: string | null;
  blockedCountries: string | null;
}

/**
 * Where minted links point: the tenant's configured public URL, else this gateway with
 * the `/api/<tenant>` prefix, which resolves the tenant whatever the host.
 */
export function linkBaseUrl(tenant: Tenant, request: Request): string {
  return tenant.settings.public_url?.replace(/\/+$/, "") ?? `${new URL(request.url).origin}/api/${tenant.id}`;
}

/** For the issuer API: refuse (400, before anything is written) when the tenant cannot sign links. */
export function assertCanSign(tenant: Tenant): asserts tenant is Tenant & { signingKey: VerificationKey } {
  if (!tenant.signingKey) {
    throw new HttpError(
      "bad_request",
      "This tenant has no active HS256 key to sign links with; create one with POST /admin/v1/keys.",
      {},
      [{ path: "keys", message: "no active HS256 signing key" }],
    );
  }
}

/**
 * For customer-facing listings: a store without a signing key is a configuration fault
 * on the store's side, not the customer's bad request.
 */
export function assertCanSignForCustomers(tenant: Tenant): void {
  if (!tenant.signingKey) {
    throw unavailable("The store cannot issue download links right now. Please try again later.", 300);
  }
}

/** A JSON array column (as the links table keeps lists), or undefined when null. */
export function jsonList(column: string | null): string[] | undefined {
  return column === null ? undefined : (JSON.parse(column) as string[]);
}

/**
 * The URL of a stored link, signed with the tenant's newest HS256 key. The token is signed
 * once per key and grant and then reused (`linkTokenCache.ts`: a rotated or retired key's
 * tokens are never handed out again); whether the link may have a URL at all is the
 * caller's decision, made before this.
 */
export async function mintDownloadUrl(tenant: Tenant, baseUrl: string, link: LinkGrantRow): Promise<string> {
  assertCanSign(tenant);
  const signingKey = tenant.signingKey;
  const grant: LinkGrant = {
    tenant: tenant.id,
    link: link.id,
    file: link.fileId,
    limit: link.downloadLimit ?? undefined,
    expires: link.expiresAt ?? undefined,
    ips: link.ipRestriction ? (JSON.parse(link.ipRestriction) as string[]) : undefined,
    devices: link.deviceLimit ?? undefined,
    customer: link.customerId,
    requireLogin: link.requireLogin,
    filename: link.fileName,
    order: link.orderNumber,
    countries: jsonList(link.allowedCountries),
    blockedCountries: jsonList(link.blockedCountries),
  };
  const token = await cachedLinkToken(signingKey, grant, () =>
    signDownloadToken(grant, { kid: signingKey.kid, secret: signingKey.key }),
  );
  return `${baseUrl}/downloads/${token}`;
}
