import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { signingKeys, tenantHosts, tenants } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { importEd25519PublicKey, importHmacKey, type VerificationKey } from "../token/keyring.ts";
import { decryptSecret, masterKeyProblem } from "./secretBox.ts";
import { parseTenantSettings, type TenantSettings } from "./tenantSettings.ts";

export interface Tenant {
  id: string;
  name: string;
  originUrl: string | null;
  settings: TenantSettings;
  keyring: ReadonlyMap<string, VerificationKey>;
  /** The newest active HS256 key: what the gateway signs the links it mints with. */
  signingKey: VerificationKey | null;
  /** HS256 key for the storefront's customer JWTs, when the tenant configured one. */
  customerKey: CryptoKey | null;
}

/** Per tenant: its active keys as last imported, by row identity (kid, alg, stored key). */
const importedKeys = new Map<string, Map<string, VerificationKey>>();

/** Reads a tenant and its active keys from D1 and imports the keys. Null when unknown. */
export async function loadTenant(env: Env, tenantId: string): Promise<Tenant | null> {
  const db = drizzle(env.DB);
  const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  if (!row) return null;
  const keys = await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.status, "active")))
    .orderBy(signingKeys.createdAt, sql`rowid`);

  const keyring = new Map<string, VerificationKey>();
  const before = importedKeys.get(tenantId);
  const now = new Map<string, VerificationKey>();
  let unopened = 0;
  for (const k of keys) {
    try {
      // The same row (kid, alg and stored secret or public key) is the same key: keep its
      // object, so what hangs off it (links/linkTokenCache.ts) survives the 30 s reload.
      const identity = JSON.stringify([k.kid, k.alg, k.secretEnc, k.publicJwk]);
      let entry = before?.get(identity);
      if (!entry && k.alg === "HS256" && k.secretEnc) {
        entry = {
          kid: k.kid,
          alg: "HS256",
          key: await importHmacKey(await decryptSecret(env.MASTER_KEY, k.secretEnc)),
        };
      } else if (!entry && k.alg === "EdDSA" && k.publicJwk) {
        entry = { kid: k.kid, alg: "EdDSA", key: await importEd25519PublicKey(JSON.parse(k.publicJwk)) };
      }
      if (entry) {
        keyring.set(k.kid, entry);
        now.set(identity, entry);
      }
    } catch (error) {
      // One unreadable key (a corrupt row) must not take the tenant's other keys down.
      console.error(`tenant ${tenantId}: key ${k.kid} could not be loaded`, error);
      if (k.secretEnc) unopened++;
    }
  }
  // None of its stored secrets opens: the MASTER_KEY is not the one they were sealed with
  // (the secret was replaced, or is malformed). Loading the tenant without them would
  // answer every link `invalid_token`, telling customers their links are bad; failing the
  // load answers 503 (the links are fine, the deployment is not) and says why in the log.
  const sealed = keys.filter((k) => k.secretEnc).length;
  if (sealed > 0 && unopened === sealed) {
    const problem = masterKeyProblem(env.MASTER_KEY) ?? "MASTER_KEY is not the key they were stored with";
    throw new Error(`tenant ${tenantId}: none of its ${sealed} stored signing secrets opens: ${problem}`);
  }
  // Only the keys active now are kept: a retired key's object is never handed out again.
  importedKeys.set(tenantId, now);
  const hmacKeys = [...keyring.values()].filter((k) => k.alg === "HS256");
  let customerKey: CryptoKey | null = null;
  if (row.customerSecretEnc) {
    try {
      customerKey = await importHmacKey(await decryptSecret(env.MASTER_KEY, row.customerSecretEnc));
    } catch (error) {
      console.error(`tenant ${tenantId}: customer secret could not be loaded`, error);
    }
  }
  return {
    id: row.id,
    name: row.name,
    originUrl: row.originUrl,
    settings: parseTenantSettings(row.settings),
    keyring,
    signingKey: hmacKeys.at(-1) ?? null,
    customerKey,
  };
}

/** Host name (no port) → tenant id, or null. */
export async function loadTenantIdForHost(env: Env, host: string): Promise<string | null> {
  const [row] = await drizzle(env.DB)
    .select({ tenantId: tenantHosts.tenantId })
    .from(tenantHosts)
    .where(eq(tenantHosts.host, host))
    .limit(1);
  return row?.tenantId ?? null;
}
