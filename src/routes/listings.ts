import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { customerId } from "../auth/customerIdentity.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { json } from "../http/json.ts";
import { readQuery } from "../http/readJson.ts";
import { assertCanSignForCustomers, linkBaseUrl } from "../links/mintDownloadUrl.ts";
import { pageQueryShape, pageRequest } from "../orders/listingPage.ts";
import { loadOrderLinks } from "../orders/orderRows.ts";
import { downloadsListing } from "../orders/orderViews.ts";
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

async function listingTenant(request: Request, env: Env, tenantParam: string | undefined): Promise<Tenant> {
  // A prefix naming another tenant than the Host's is 404 (requestTenant, docs/CONTRACT.md §4).
  const tenant = await requestTenant(env, request, tenantParam);
  if (!tenant) throw new HttpError("not_found", "There is no store at this address.");
  assertCanSignForCustomers(tenant);
  return tenant;
}

/** `GET /my/downloads`: everything the signed-in customer bought, each file with a fresh URL. */
export async function myDownloads(request: Request, env: Env, tenantParam?: string): Promise<Response> {
  const tenant = await listingTenant(request, env, tenantParam);
  const query = readQuery(request, listingQuerySchema);
  const customer = await customerId(request, env, tenant);
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { customerId: customer });
  return json(
    await downloadsListing(tenant, linkBaseUrl(tenant, request), rows, query.include_expired, pageRequest(query)),
  );
}

/** `GET /orders/:orderNumber/downloads`: one order's downloads, for its own customer only. */
export async function orderDownloads(
  request: Request,
  env: Env,
  orderNumber: string,
  tenantParam?: string,
): Promise<Response> {
  const tenant = await listingTenant(request, env, tenantParam);
  const query = readQuery(request, listingQuerySchema);
  const customer = await customerId(request, env, tenant);
  let number: string;
  try {
    number = decodeURIComponent(orderNumber);
  } catch {
    throw new HttpError("bad_request", "The order number is not valid percent-encoding.", {}, [
      { path: "orderNumber", message: "bad encoding" },
    ]);
  }
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber: number });
  if (rows.length === 0) throw new HttpError("not_found", `There is no order ${JSON.stringify(number)}.`);
  if (rows[0]?.order.customerId !== customer)
    throw new HttpError("forbidden", "This order belongs to another customer.");
  return json(
    await downloadsListing(tenant, linkBaseUrl(tenant, request), rows, query.include_expired, pageRequest(query)),
  );
}
