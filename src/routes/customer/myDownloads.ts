import { drizzle } from "drizzle-orm/d1";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { listingAnswer, listingQuerySchema, listingTenant } from "../../listings/customerListings.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { downloadsListingSchema } from "../../orders/orderSchemas.ts";
import { customerSecurity } from "./customerSchemas.ts";

/** `GET /my/downloads`: everything the signed-in customer bought, each file with a fresh URL. */
export const myDownloads = defineEndpoint({
  method: "get",
  path: "/my/downloads",
  access: "public",
  operationId: "myDownloads",
  tags: ["Listings"],
  summary: "The signed-in customer's downloads",
  security: customerSecurity,
  query: listingQuerySchema,
  responses: {
    200: {
      description: "Each file with a freshly signed download_url (null while pending or unusable)",
      schema: downloadsListingSchema,
    },
  },
  errors: ["auth_required", "forbidden", "not_found", "unavailable"],
  async handle({ request, env, query, pathTenant }) {
    const tenant = await listingTenant(request, env, pathTenant);
    const customer = await customerId(request, env, tenant);
    const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { customerId: customer });
    return listingAnswer(tenant, request, rows, query.include_expired);
  },
});
