import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tenantHosts } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { hostScope } from "../tenants/resolveTenant.ts";
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
 * the `/api/<tenant>` prefix, which the gateway answers on the tenant's own hosts and on
 * hosts of no tenant (router.ts). On another store's host (the issuer API called there
 * with this store's key), that path is the other store's: the links go to this store's
 * own first host instead, with the request's scheme and port.
 */
export async function linkBaseUrl(env: Env, tenant: Tenant, request: Request): Promise<string> {
  const publicUrl = tenant.settings.public_url;
  if (publicUrl) return publicUrl.replace(/\/+$/, "");
  const url = new URL(request.url);
  if ((await hostScope(env, request, tenant)) !== "foreign") return `${url.origin}/api/${tenant.id}`;
  const ownHost = await firstHostOf(env, tenant.id);
  if (!ownHost) throw noAddressHere();
  return `${url.protocol}//${ownHost}${url.port ? `:${url.port}` : ""}/api/${tenant.id}`;
}

/**
 * The issuer API on another store's host, for a store with neither a host nor a
 * `public_url` of its own: no link it mints could open, so the request is refused before
 * anything is written (adminRouter.ts).
 */
export async function assertLinksCanPointHere(env: Env, tenant: Tenant, request: Request): Promise<void> {
  await linkBaseUrl(env, tenant, request);
}

function noAddressHere(): HttpError {
  return new HttpError(
    "bad_request",
    "This address belongs to another store, and this store has no host or public_url of its own for its download links: " +
      "call the issuer API on the gateway's shared address, or give the store a host or a public_url.",
    {},
    [{ path: "public_url", message: "not set, and the store has no host" }],
  );
}

async function firstHostOf(env: Env, tenantId: string): Promise<string | null> {
  const [row] = await drizzle(env.DB)
    .select({ host: tenantHosts.host })
    .from(tenantHosts)
    .where(eq(tenantHosts.tenantId, tenantId))
    .orderBy(tenantHosts.host)
    .limit(1);
  return row?.host ?? null;
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
