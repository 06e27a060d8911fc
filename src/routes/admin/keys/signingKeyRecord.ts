import type { DrizzleD1Database } from "drizzle-orm/d1";
import { signingKeys } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { encryptSecret } from "../../../tenants/secretBox.ts";
import { randomToken } from "../../../utils/encoding.ts";
import { isoFromSeconds, nowSeconds } from "../../../utils/time.ts";

type SigningKeyRow = typeof signingKeys.$inferSelect;

/** What a new key is: an HS256 key the gateway makes, or an Ed25519 public key the store holds the private half of. */
export type NewSigningKey =
  | { alg: "HS256"; kid?: string | undefined }
  | { alg: "EdDSA"; kid?: string | undefined; public_jwk: { kty: "OKP"; crv: "Ed25519"; x: string } };

/** A key as the API shows it (keySchemas.ts `signingKeySchema`); the secret only when it was just made. */
export function signingKeyView(row: SigningKeyRow, secret?: string) {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    created_at: isoFromSeconds(row.createdAt) as string,
    retired_at: isoFromSeconds(row.retiredAt),
    ...(secret ? { secret } : {}),
  };
}

/**
 * Prepares a signing key row: its view and the insert, for the caller's batch. HS256
 * secrets are 32 random bytes as base64url text; the HMAC key is that text's UTF-8 bytes,
 * which is what every JWT library does with a string secret.
 */
export async function newSigningKey(env: Env, tenantId: string, spec: NewSigningKey) {
  const kid = spec.kid ?? `k${Date.now().toString(36)}`;
  const createdAt = nowSeconds();
  let row: SigningKeyRow;
  let secret: string | undefined;
  if (spec.alg === "HS256") {
    secret = randomToken(32);
    const secretEnc = await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(secret));
    row = { tenantId, kid, alg: "HS256", secretEnc, publicJwk: null, status: "active", createdAt, retiredAt: null };
  } else {
    row = {
      tenantId,
      kid,
      alg: "EdDSA",
      secretEnc: null,
      // Only the key itself: the optional members (alg, use, key_ops, …) add nothing here.
      publicJwk: JSON.stringify({ kty: spec.public_jwk.kty, crv: spec.public_jwk.crv, x: spec.public_jwk.x }),
      status: "active",
      createdAt,
      retiredAt: null,
    };
  }
  return {
    view: signingKeyView(row, secret),
    statement: (db: DrizzleD1Database) => db.insert(signingKeys).values(row),
  };
}
