import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { json } from "../../http/json.ts";
import { cacheBusterShape } from "../../listings/customerListings.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { customerSecurity } from "../../routes/customer/customerSchemas.ts";
import { PROFILE_DOC } from "../profileEndpoint.ts";
import { merchelloDownloads, merchelloDownloadsSchema } from "./merchelloDownloadsListing.ts";
import { BASE, PROFILE } from "./merchelloProfile.ts";

/** Strict like dlgate's own listings: an unknown parameter is 400 naming it; `_` (a cache-buster) is allowed. */
const customerQuerySchema = z.strictObject({
  includeExpired: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["", "true", "false"]))
    .optional(),
  ...cacheBusterShape,
});

/** `GET /customer?includeExpired=`: the signed-in customer's links, newest orders first. */
export const customerDownloads = defineEndpoint({
  method: "get",
  path: `${BASE}/customer`,
  access: "profile",
  profile: PROFILE,
  operationId: "merchelloCustomerDownloads",
  ...PROFILE_DOC,
  // Every route of this API is behind the customer's sign-in (bearer, cookie or auth_url).
  security: customerSecurity,
  summary: "Seed 004: the signed-in customer's download links",
  query: customerQuerySchema,
  responses: { 200: { description: "The customer's links, newest orders first", schema: merchelloDownloadsSchema } },
  errors: ["auth_required", "not_found", "unavailable"],
  async handle({ request, env, query, tenant }) {
    const customer = await customerId(request, env, tenant);
    const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { customerId: customer });
    // A customer the store knows but who bought nothing gets [] (there is no customer table to 404 from).
    return json(await merchelloDownloads(tenant, rows, query.includeExpired === "true"));
  },
});
