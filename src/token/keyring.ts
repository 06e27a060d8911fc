import { ed25519KeyFlaw } from "./ed25519KeyFlaw.ts";

/** One verification key of a tenant, ready for `crypto.subtle`. */
export interface VerificationKey {
  kid: string;
  alg: "HS256" | "EdDSA";
  key: CryptoKey;
}

/** The tenant's active keys by kid. Several at once is how rotation works. */
export type Keyring = ReadonlyMap<string, VerificationKey>;

/** Turns a stored HS256 secret into an HMAC key usable for signing and verifying. */
export function importHmacKey(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/**
 * Turns an Ed25519 public JWK (`{kty:"OKP",crv:"Ed25519",x}`) into a verify-only key.
 * Throws for a key anyone could sign for (`ed25519KeyFlaw`): registration refuses those,
 * and this keeps one stored before that check from ever verifying a token.
 */
export async function importEd25519PublicKey(jwk: JsonWebKey): Promise<CryptoKey> {
  const flaw = ed25519KeyFlaw(jwk.x ?? "");
  if (flaw) throw new Error(`unusable Ed25519 public key: ${flaw}`);
  return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, [
    "verify",
  ]);
}
