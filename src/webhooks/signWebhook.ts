/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Verifying webhooks"):
 *
 *   signed content   = `${webhook-id}.${webhook-timestamp}.${body}`
 *   webhook-signature = "v1," + base64(HMAC-SHA256(secret bytes, signed content))
 *
 * where the secret is shown as `whsec_` + base64 of its bytes and the HMAC key is the
 * decoded bytes (not the text). Several signatures go space-separated in one header;
 * a receiver accepts the message when any of them verifies, which is how a rotated
 * secret and its predecessor both work during the grace period.
 */

const PREFIX = "whsec_";
/** 32 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A fresh secret in its shown form, `whsec_<base64>`. */
export function newWebhookSecret(): string {
  return PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key bytes of a `whsec_…` secret (the prefix is optional, as the libraries accept). */
export function webhookSecretBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

/** `v1,<base64 HMAC-SHA256>` for one secret. */
export async function signatureFor(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    webhookSecretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/**
 * The three headers of one delivery attempt. `timestamp` is the attempt's time in Unix
 * seconds (receivers refuse stale ones, so each retry is signed anew); `secrets` are every
 * secret in force, newest first.
 */
export async function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((secret) => signatureFor(secret, id, timestamp, body)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
