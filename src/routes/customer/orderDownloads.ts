import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { listingAnswer, listingQuerySchema, listingTenant } from "../../listings/customerListings.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { customerSecurity, listingErrors, listingResponses } from "./customerSchemas.ts";

/**
 * Any decoded segment: orders stored before today's number rule can still be listed, and
 * a number no order has is a 404 like any unknown one.
 */
const orderParams = z.object({
  orderNumber: z.string().meta({ description: "The order number, percent-decoded (as the issuer API stored it)" }),
});

/** `GET /orders/:orderNumber/downloads`: one order's downloads, for its own customer only. */
export const orderDownloads = defineEndpoint({
  method: "get",
  path: "/orders/:orderNumber/downloads",
  access: "public",
  operationId: "orderDownloads",
  tags: ["Listings"],
  summary: "One order's downloads, for the customer who placed it",
  security: customerSecurity,
  params: orderParams,
  query: listingQuerySchema,
  responses: listingResponses,
  errors: [...listingErrors],
  async handle({ request, env, params, query, pathTenant }) {
    const tenant = await listingTenant(request, env, pathTenant);
    const customer = await customerId(request, env, tenant);
    const number = params.orderNumber;
    const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber: number });
    if (rows.length === 0) throw new HttpError("not_found", `There is no order ${JSON.stringify(number)}.`);
    if (rows[0]?.order.customerId !== customer)
      throw new HttpError("forbidden", "This order belongs to another customer.");
    return listingAnswer(env, tenant, request, rows, query);
  },
});
