import { drizzle } from "drizzle-orm/d1";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { json } from "../../http/json.ts";
import { customerSecurity } from "../../routes/customer/customerSchemas.ts";
import { linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { fileSources } from "../../listings/fileSources.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { PROFILE_DOC, readOnly } from "../profileEndpoint.ts";
import { requireStorefrontKey, storefrontKeyHeader } from "./customerDownloadableProductsKey.ts";
import { downloadablePurchase, downloadablePurchasesSchema } from "./customerDownloadableProductsView.ts";

const PROFILE = "customer-downloadable-products";
const PATH = "/api/shop/customer-downloadable-products";

/**
 * Seed 001, `GET /api/shop/customer-downloadable-products`: the signed-in customer's
 * downloadable link purchases as a bare JSON array (`[]` when there are none). Needs the
 * store's `X-STOREFRONT-KEY` and the customer's bearer token.
 */
export const customerDownloadableProducts = defineEndpoint({
  method: "get",
  path: PATH,
  access: "profile",
  profile: PROFILE,
  operationId: "customerDownloadableProducts",
  ...PROFILE_DOC,
  summary: "Seed 001: the signed-in customer's downloadable products",
  anyQuery: true,
  headers: storefrontKeyHeader,
  // The customer's bearer token, or dlgate's customer cookie / auth_url on the store's host.
  security: customerSecurity,
  responses: {
    200: {
      description: "The customer's purchases, one per file, newest orders first",
      schema: downloadablePurchasesSchema,
    },
  },
  // The storefront key (401 missing, 403 wrong), the customer's sign-in, then the listing.
  errors: ["auth_required", "forbidden", "not_found", "unavailable"],
  async handle({ request, env, tenant }) {
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
    const baseUrl = await linkBaseUrl(env, tenant, request);
    const now = Date.now();
    return json(
      await Promise.all(
        rows.map((row) => downloadablePurchase(tenant, baseUrl, row, sources.get(row.link.fileId), now)),
      ),
    );
  },
});

/** Read-only, so any other method is 405 with `Allow: GET`. */
export const customerDownloadableProductsEndpoints = [
  customerDownloadableProducts,
  readOnly(PROFILE, PATH, "customerDownloadableProductsOther"),
];
