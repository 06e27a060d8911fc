import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { customerId } from "../../auth/customerIdentity.ts";
import { decodeParam, defineEndpoint } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { findOrder, loadOrderLinks } from "../../listings/orderRows.ts";
import { orderNumberSchema } from "../../orders/orderSchemas.ts";
import { customerSecurity } from "../../routes/customer/customerSchemas.ts";
import { PROFILE_DOC } from "../profileEndpoint.ts";
import { merchelloDownloads, merchelloDownloadsSchema } from "./merchelloDownloadsListing.ts";
import { BASE, PROFILE } from "./merchelloProfile.ts";

/**
 * `GET /invoice/{invoiceId}`: one invoice's links, expired ones included (the order page
 * shows the whole purchase). The invoice id is the order number.
 */
export const invoiceDownloads = defineEndpoint({
  method: "get",
  path: `${BASE}/invoice/:invoiceId`,
  access: "profile",
  profile: PROFILE,
  operationId: "merchelloInvoiceDownloads",
  ...PROFILE_DOC,
  // Every route of this API is behind the customer's sign-in (bearer, cookie or auth_url).
  security: customerSecurity,
  summary: "Seed 004: one invoice's download links, for the customer who placed it",
  // Decoded here: a segment that cannot be an order number is the system's 404, not a 400.
  params: z.object({ invoiceId: z.string() }),
  rawParams: true,
  anyQuery: true,
  responses: { 200: { description: "The invoice's links, expired ones included", schema: merchelloDownloadsSchema } },
  errors: ["auth_required", "forbidden", "not_found", "unavailable"],
  async handle({ request, env, params, tenant }) {
    const customer = await customerId(request, env, tenant);
    const invoiceId = orderNumberOf(params.invoiceId);
    const notFound = new HttpError("not_found", "There is no such invoice.");
    if (invoiceId === null) throw notFound;
    const db = drizzle(env.DB);
    const rows = await loadOrderLinks(db, tenant.id, { orderNumber: invoiceId });
    const owner = rows[0]?.order.customerId ?? (await findOrder(db, tenant.id, invoiceId))?.customerId;
    if (owner === undefined) throw notFound;
    if (owner !== customer) throw new HttpError("forbidden", "This invoice belongs to another customer.");
    return json(await merchelloDownloads(tenant, rows, true));
  },
});

/** The decoded order number, or null when the path segment cannot be one (answered 404, like an unknown id). */
function orderNumberOf(segment: string): string | null {
  const decoded = decodeParam(segment);
  return decoded !== null && orderNumberSchema.safeParse(decoded).success ? decoded : null;
}
