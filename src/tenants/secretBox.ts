/**
 * Signing secrets are stored encrypted (AES-256-GCM) with a key held only as a Worker
 * secret, so a copy of the D1 database alone cannot mint download links.
 * Format: base64(iv[12] || ciphertext+tag). Runs unchanged in Node (the seed script).
 */

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

async function masterKey(masterKeyBase64: string): Promise<CryptoKey> {
  const raw = fromBase64(masterKeyBase64);
  if (raw.length !== 32) throw new Error("MASTER_KEY must be base64 of exactly 32 bytes");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function encryptSecret(masterKeyBase64: string, secret: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await masterKey(masterKeyBase64), secret),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

export async function decryptSecret(masterKeyBase64: string, box: string): Promise<Uint8Array> {
  const bytes = fromBase64(box);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) },
    await masterKey(masterKeyBase64),
    bytes.slice(12),
  );
  return new Uint8Array(plain);
}
