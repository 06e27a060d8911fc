import { z } from "zod";
import { HttpError } from "../../http/HttpError.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { secretsEqual } from "../../utils/secretsEqual.ts";

const HEADER = "X-STOREFRONT-KEY";

/** The header as `/openapi.json` documents it: required, whatever the customer's credential. */
export const storefrontKeyHeader = z.object({
  [HEADER]: z.string().meta({
    description: "The store's storefront key (tenant setting `storefront_key`): missing 401, wrong 403",
  }),
});

/**
 * Seed 001: every call carries the store's storefront key. Missing → 401 (the client did
 * not authenticate at all); present but wrong → 403 (it did, and is refused). A tenant
 * that enabled the profile without setting `storefront_key` fails closed with 403.
 */
export async function requireStorefrontKey(request: Request, tenant: Tenant): Promise<void> {
  const presented = request.headers.get(HEADER);
  if (presented === null || presented === "")
    throw new HttpError("auth_required", `Send the store's storefront key in the ${HEADER} header.`);
  const expected = tenant.settings.storefront_key;
  if (expected === undefined)
    throw new HttpError("forbidden", "This store has not configured a storefront key for this API.");
  if (!(await secretsEqual(presented, expected))) throw new HttpError("forbidden", "Wrong storefront key.");
}
