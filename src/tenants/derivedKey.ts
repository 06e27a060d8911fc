const keys = new Map<string, Promise<CryptoKey>>();

/**
 * An HMAC-SHA256 key derived (HKDF) from the MASTER_KEY secret for one purpose, once per
 * isolate. Each purpose has its own `label`, so a key made for one job (hashing networks,
 * binding confirmation URLs) can never verify anything another job signed. A failed
 * derivation (a malformed secret) is not cached: the next call tries again.
 */
export function derivedHmacKey(
  masterKeyBase64: string,
  label: string,
  usages: readonly ("sign" | "verify")[],
): Promise<CryptoKey> {
  const cacheKey = `${label}\n${usages.join(",")}\n${masterKeyBase64}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const raw = Uint8Array.from(atob(masterKeyBase64), (c) => c.charCodeAt(0));
      const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(label) },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        [...usages],
      );
    })();
    key.catch(() => keys.delete(cacheKey));
    keys.set(cacheKey, key);
  }
  return key;
}
