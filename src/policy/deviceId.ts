import { readCookie } from "../http/readCookie.ts";
import { base64url } from "../utils/encoding.ts";
import { addressPrefix } from "./clientAddress.ts";

export const DEVICE_COOKIE = "dlg_device";
const DEVICE_VALUE = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * docs/CONTRACT.md §6 rule 6: the `dlg_device` cookie when present, else a hash of User-Agent and
 * the client's /24 or /64. The gateway sets the cookie to that same hash on a download,
 * so a browser stays one device when it later moves networks.
 */
export async function deviceId(
  headers: Headers,
  clientIp: string | null,
): Promise<{ id: string; fromCookie: boolean }> {
  const cookie = readCookie(headers.get("Cookie"), DEVICE_COOKIE);
  if (cookie !== null && DEVICE_VALUE.test(cookie)) return { id: cookie, fromCookie: true };
  const material = `${headers.get("User-Agent") ?? ""}\n${addressPrefix(clientIp)}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material)));
  return { id: base64url(digest.slice(0, 16)), fromCookie: false };
}

export function deviceCookie(id: string, secure: boolean): string {
  return `${DEVICE_COOKIE}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
