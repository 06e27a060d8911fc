import { readCookie } from "../http/readCookie.ts";
import { derivedHmacKey } from "../tenants/derivedKey.ts";
import { base64url } from "../utils/encoding.ts";
import { addressPrefix } from "./clientAddress.ts";

export const DEVICE_COOKIE = "dlg_device";
const DEVICE_VALUE = /^[A-Za-z0-9_-]{16,64}$/;

/** HMAC key for derived device ids (its own label: it signs nothing else the MASTER_KEY protects). */
function deviceKey(masterKeyBase64: string): Promise<CryptoKey> {
  return derivedHmacKey(masterKeyBase64, "dlgate devices v1", ["sign"]);
}

/**
 * docs/CONTRACT.md §6 rule 6: the `dlg_device` cookie when present, else a keyed hash of
 * User-Agent and the client's /24 or /64. The gateway sets the cookie to that same value on
 * a download, so a browser stays one device when it later moves networks.
 *
 * Keyed (HMAC under a key derived from MASTER_KEY), not a plain hash: anyone who knows a
 * buyer's User-Agent and network could otherwise compute the buyer's device id offline and
 * present it as a cookie from anywhere, taking the buyer's free resumes and `dev` slot.
 * The tenant is part of what is hashed, so two stores on one deployment see two different
 * ids for the same customer and cannot join their logs on it.
 */
export async function deviceId(
  headers: Headers,
  clientIp: string | null,
  masterKey: string,
  tenantId: string,
): Promise<{ id: string; fromCookie: boolean }> {
  const cookie = readCookie(headers.get("Cookie"), DEVICE_COOKIE);
  if (cookie !== null && DEVICE_VALUE.test(cookie)) return { id: cookie, fromCookie: true };
  const material = `${tenantId}\n${headers.get("User-Agent") ?? ""}\n${addressPrefix(clientIp)}`;
  const mac = await crypto.subtle.sign("HMAC", await deviceKey(masterKey), new TextEncoder().encode(material));
  return { id: base64url(new Uint8Array(mac, 0, 16)), fromCookie: false };
}

/**
 * `Set-Cookie` pinning the device id. On a tenant's own host it is the whole host's; under a
 * `/api/<tenant>/` prefix (several stores on one host, such as the Worker's workers.dev name)
 * only that prefix's, so one store's id is never sent to another's links.
 */
export function deviceCookie(id: string, secure: boolean, pathTenant: string | undefined): string {
  const path = pathTenant === undefined ? "/" : `/api/${pathTenant}/`;
  return `${DEVICE_COOKIE}=${id}; Path=${path}; Max-Age=31536000; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
