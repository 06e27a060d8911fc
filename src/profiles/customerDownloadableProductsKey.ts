import { HttpError } from "../http/HttpError.ts";
import type { Tenant } from "../tenants/loadTenant.ts";

const HEADER = "X-STOREFRONT-KEY";

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

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
  // Compare digests, not the keys: timingSafeEqual needs equal lengths, and equal-length
  // digests also keep the key's length from leaking through the comparison time.
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  if (!crypto.subtle.timingSafeEqual(a, b)) throw new HttpError("forbidden", "Wrong storefront key.");
}
