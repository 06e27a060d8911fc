import { z } from "zod";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { json } from "../http/json.ts";
import { assertCanSignForCustomers, linkBaseUrl } from "../links/mintDownloadUrl.ts";
import { pageQueryShape, pageRequest } from "./listingPage.ts";
import type { OrderLinkRow } from "./orderRows.ts";
import { downloadsListing } from "./orderViews.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { requestTenant } from "../tenants/resolveTenant.ts";

/**
 * The one parameter every customer-facing listing accepts besides its own: `_`, the
 * cache-buster that jQuery (`cache: false`) and other front ends append (`?_=1764264000000`).
 * Its value is never read. Any other unknown parameter is 400 like in the issuer API
 * (docs/CONTRACT.md §9): a misspelt `include_expire` must not silently list less.
 */
export const cacheBusterShape = {
  _: z.string().max(256).optional().meta({ description: "cache-buster (jQuery's `cache: false`); ignored" }),
};

export const listingQuerySchema = z.strictObject({
  include_expired: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  ...pageQueryShape,
  ...cacheBusterShape,
});

export type ListingQuery = z.infer<typeof listingQuerySchema>;

/**
 * The tenant of a customer listing (from `/api/:tenant/` or the Host), able to sign the
 * URLs it lists. A prefix naming another tenant than the Host's is 404 (requestTenant,
 * docs/CONTRACT.md §4).
 */
export async function listingTenant(request: Request, env: Env, pathTenant: string | undefined): Promise<Tenant> {
  const tenant = await requestTenant(env, request, pathTenant);
  if (!tenant) throw new HttpError("not_found", "There is no store at this address.");
  assertCanSignForCustomers(tenant);
  return tenant;
}

/** The listing of `rows` (one page of it with `?limit=&cursor=`), each usable file with its signed URL. */
export async function listingAnswer(
  env: Env,
  tenant: Tenant,
  request: Request,
  rows: OrderLinkRow[],
  query: ListingQuery,
): Promise<Response> {
  return json(
    await downloadsListing(
      tenant,
      await linkBaseUrl(env, tenant, request),
      rows,
      query.include_expired,
      pageRequest(query),
    ),
  );
}
