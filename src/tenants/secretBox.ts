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

/** What is wrong with the deployment's MASTER_KEY secret, or null when it has the right form. */
export function masterKeyProblem(masterKeyBase64: string | undefined): string | null {
  if (!masterKeyBase64) return "MASTER_KEY is not set (README, Deploying, step 5)";
  try {
    if (fromBase64(masterKeyBase64).length === 32) return null;
  } catch {
    // Not base64 at all: the same answer.
  }
  return "MASTER_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)";
}

async function masterKey(masterKeyBase64: string): Promise<CryptoKey> {
  const problem = masterKeyProblem(masterKeyBase64);
  if (problem) throw new Error(problem);
  return crypto.subtle.importKey("raw", fromBase64(masterKeyBase64), "AES-GCM", false, ["encrypt", "decrypt"]);
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
