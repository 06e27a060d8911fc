const keys = new Map<string, Promise<CryptoKey>>();

/** HMAC key for network hashes, derived once per isolate from the MASTER_KEY secret. */
function networkKey(masterKeyBase64: string): Promise<CryptoKey> {
  let key = keys.get(masterKeyBase64);
  if (!key) {
    key = (async () => {
      const raw = Uint8Array.from(atob(masterKeyBase64), (c) => c.charCodeAt(0));
      const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        // Its own label: this key signs nothing else the MASTER_KEY protects.
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: new TextEncoder().encode("dlgate networks v1"),
        },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    key.catch(() => keys.delete(masterKeyBase64));
    keys.set(masterKeyBase64, key);
  }
  return key;
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
