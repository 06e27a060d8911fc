import { derivedHmacKey } from "../tenants/derivedKey.ts";

/** HMAC key for network hashes (its own label: it signs nothing else the MASTER_KEY protects). */
function networkKey(masterKeyBase64: string): Promise<CryptoKey> {
  return derivedHmacKey(masterKeyBase64, "dlgate networks v1", ["sign"]);
}

/**
 * What a link's Durable Object keeps of a client network (src/links/sharingWatch.ts): an
 * HMAC of the /24 or /48 under a key derived from MASTER_KEY, salted with the tenant and
 * link. A plain or stored-salt hash of a /24 is undone by trying all 2^24 of them; this
 * one needs the Worker secret, which the object's storage never holds. The same network
 * gives the same value on one link only, so nothing can be joined across links either.
 * 128 bits, base64url.
 */
export async function hashNetwork(
  masterKey: string,
  tenantId: string,
  linkId: string,
  network: string,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await networkKey(masterKey),
    new TextEncoder().encode(`${tenantId}/${linkId}\n${network}`),
  );
  const bytes = new Uint8Array(mac, 0, 16);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
