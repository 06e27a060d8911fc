import { drizzle } from "drizzle-orm/d1";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { listingAnswer, listingQuerySchema, listingTenant } from "../../listings/customerListings.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { customerSecurity, listingErrors, listingResponses } from "./customerSchemas.ts";

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
  responses: listingResponses,
  errors: [...listingErrors],
  async handle({ request, env, query, pathTenant }) {
    const tenant = await listingTenant(request, env, pathTenant);
    const customer = await customerId(request, env, tenant);
    const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { customerId: customer });
    return listingAnswer(env, tenant, request, rows, query);
  },
});
