import { and, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { signingKeys } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { readJson } from "../../http/readJson.ts";
import { forgetTenant } from "../../tenants/resolveTenant.ts";
import { encryptSecret } from "../../tenants/secretBox.ts";
import { randomToken } from "../../utils/encoding.ts";
import { isoFromSeconds, nowSeconds } from "../../utils/time.ts";
import { createSigningKeySchema } from "./adminSchemas.ts";
import type { z } from "zod";

type NewKey = z.infer<typeof createSigningKeySchema>;

function keyView(row: typeof signingKeys.$inferSelect, secret?: string) {
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
 * Prepares a signing key row. HS256 secrets are 32 random bytes as base64url text; the
 * HMAC key is that text's UTF-8 bytes, which is what every JWT library does with a
 * string secret.
 */
export async function insertSigningKey(env: Env, tenantId: string, spec: NewKey) {
  const kid = spec.kid ?? `k${Date.now().toString(36)}`;
  const createdAt = nowSeconds();
  let row: typeof signingKeys.$inferSelect;
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
    view: keyView(row, secret),
    statement: (db: DrizzleD1Database) => db.insert(signingKeys).values(row),
  };
}

/** `POST /admin/v1/keys`: a new HS256 key (secret shown once) or a registered Ed25519 public key. */
export async function createSigningKey(request: Request, env: Env, tenantId: string): Promise<Response> {
  const spec = await readJson(request, createSigningKeySchema);
  const db = drizzle(env.DB);
  if (spec.kid) {
    const [taken] = await db
      .select()
      .from(signingKeys)
      .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.kid, spec.kid)))
      .limit(1);
    if (taken)
      throw new HttpError("bad_request", "That kid exists already.", {}, [{ path: "kid", message: "already exists" }]);
  }
  const key = await insertSigningKey(env, tenantId, spec);
  await key.statement(db);
  forgetTenant(tenantId);
  return json(key.view, 201);
}

export async function listSigningKeys(env: Env, tenantId: string): Promise<Response> {
  const rows = await drizzle(env.DB)
    .select()
    .from(signingKeys)
    .where(eq(signingKeys.tenantId, tenantId))
    .orderBy(signingKeys.createdAt, sql`rowid`);
  return json({ data: rows.map((r) => keyView(r)) });
}

/**
 * `DELETE /admin/v1/keys/:kid`: retires the key. Links signed with it stop verifying in
 * this isolate at once and everywhere within the tenant cache's 30 s.
 */
export async function retireSigningKey(env: Env, tenantId: string, kid: string): Promise<Response> {
  const db = drizzle(env.DB);
  const [row] = await db
    .update(signingKeys)
    .set({ status: "retired", retiredAt: nowSeconds() })
    .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.kid, kid)))
    .returning();
  if (!row) throw new HttpError("not_found", `There is no key ${JSON.stringify(kid)}.`);
  forgetTenant(tenantId);
  return json(keyView(row));
}
