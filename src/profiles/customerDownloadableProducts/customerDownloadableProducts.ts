import { drizzle } from "drizzle-orm/d1";
import type { IRequest } from "itty-router";
import { customerId } from "../../auth/customerIdentity.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { fileSources } from "../../listings/fileSources.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { requireStorefrontKey } from "./customerDownloadableProductsKey.ts";
import { downloadablePurchase } from "./customerDownloadableProductsView.ts";
import { tenantWithProfile, type ProfileRoute } from "../profileRoute.ts";

/**
 * Seed 001, `GET /api/shop/customer-downloadable-products`: the signed-in customer's
 * downloadable link purchases as a bare JSON array (`[]` when there are none). Needs the
 * store's `X-STOREFRONT-KEY` and the customer's bearer token; read-only, so any other
 * method is 405 with `Allow: GET`. Answers undefined (→ origin proxy / 404) when the
 * Host's tenant has not enabled the profile.
 */
export async function customerDownloadableProducts(request: IRequest, env: Env): Promise<Response | undefined> {
  const tenant = await tenantWithProfile(request, env, "customer-downloadable-products");
  if (!tenant) return undefined;
  if (request.method !== "GET")
    throw new HttpError("method_not_allowed", "This API is read-only: only GET is allowed.", { Allow: "GET" });
  await requireStorefrontKey(request, tenant);
  const customer = await customerId(request, env, tenant);

  const db = drizzle(env.DB);
  // The query selects by the order's customer; the link's own customer is checked too,
  // so a purchase is shown only when both agree it belongs to this customer.
  const rows = (await loadOrderLinks(db, tenant.id, { customerId: customer })).filter(
    (row) => row.link.customerId === customer,
  );
  const sources = await fileSources(
    db,
    tenant.id,
    rows.map((row) => row.link.fileId),
  );
  const baseUrl = linkBaseUrl(tenant, request);
  const now = Date.now();
  return json(
    await Promise.all(rows.map((row) => downloadablePurchase(tenant, baseUrl, row, sources.get(row.link.fileId), now))),
  );
}

export const customerDownloadableProductsRoute: ProfileRoute = {
  method: "ALL",
  path: "/api/shop/customer-downloadable-products",
  handler: customerDownloadableProducts,
};
