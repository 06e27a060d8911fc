import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SignJWT } from "jose";
import { linkColumnsOf } from "../../db/mirrorLinkState.ts";
import { downloadEvents, type links } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { linkStub } from "../../links/linkStub.ts";
import { assertCanSign, linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import type { Claims } from "../../token/claims.ts";

/**
 * A link the store signed itself, without the issuer API (docs/CONTRACT.md §9): D1 has no
 * row for it, but once a request has reached it, its Durable Object knows its tenant, link
 * and file and the claims of its newest token, and the download log has its events. This is
 * such a link laid out as the issuer API's row, so every `/admin/v1/links/:id` route serves it.
 */
export interface ExternalLinkRow {
  link: typeof links.$inferSelect;
  orderStatus: "complete";
  fileName: string | null;
  fileRemoved: false;
  /** The newest token's claims; null when the link was last used before the gateway kept them. */
  claims: Claims | null;
}

/**
 * The link as its Durable Object knows it, or a 404 when the gateway never saw it.
 *
 * The log is asked first, on purpose: calling any method of a Durable Object creates it
 * (its constructor sets up its SQLite tables), so asking objects directly would leave an
 * empty object behind for every id an admin key cares to try.
 */
export async function externalLinkRow(env: Env, tenantId: string, linkId: string): Promise<ExternalLinkRow> {
  const notFound = new HttpError("not_found", `There is no link ${JSON.stringify(linkId)}.`);
  const [seen] = await drizzle(env.DB)
    .select({ id: downloadEvents.id })
    .from(downloadEvents)
    .where(and(eq(downloadEvents.tenantId, tenantId), eq(downloadEvents.linkId, linkId)))
    .limit(1);
  if (!seen) throw notFound;
  const known = await linkStub(env, tenantId, linkId).knownLink();
  if (!known || known.identity.tenantId !== tenantId || known.identity.linkId !== linkId) throw notFound;
  const { identity, claims, state } = known;
  return {
    link: {
      tenantId,
      id: linkId,
      orderNumber: claims?.ord ?? "",
      itemId: "",
      fileId: identity.fileId,
      customerId: claims?.sub ?? "",
      downloadLimit: claims?.lim ?? null,
      expiresAt: claims?.exp ?? null,
      ...linkColumnsOf(state),
      canceledCount: 0,
      held: false,
      ipRestriction: claims?.ips ? JSON.stringify(claims.ips) : null,
      deviceLimit: claims?.dev ?? null,
      allowedCountries: claims?.cca ? JSON.stringify(claims.cca) : null,
      blockedCountries: claims?.ccb ? JSON.stringify(claims.ccb) : null,
      requireLogin: claims?.auth === true,
      countVersion: state.version,
    },
    orderStatus: "complete",
    fileName: claims?.fn ?? null,
    // Not looked up: the link's own requests answer 404 if its file is gone.
    fileRemoved: false,
    claims,
  };
}

/**
 * `POST /admin/v1/links/:id/url` for a link the store signed: the same claims (limit,
 * expiry, addresses, devices, customer, login, name, order, confirmation) signed again with
 * the tenant's newest HS256 key, so "resend my link" never drops a restriction.
 */
export async function externalLinkUrl(
  env: Env,
  request: Request,
  tenant: Tenant,
  row: ExternalLinkRow,
): Promise<{ link_id: string; download_url: string }> {
  if (!row.claims) {
    throw new HttpError(
      "conflict",
      "The gateway does not know this link's grant yet (it was last used before the gateway kept it); sign a new token with the same link id.",
    );
  }
  assertCanSign(tenant);
  const token = await new SignJWT({ ...row.claims })
    .setProtectedHeader({ alg: "HS256", kid: tenant.signingKey.kid, typ: "JWT" })
    .setIssuedAt()
    .sign(tenant.signingKey.key);
  return { link_id: row.link.id, download_url: `${await linkBaseUrl(env, tenant, request)}/downloads/${token}` };
}
