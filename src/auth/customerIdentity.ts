import { readCookie } from "../http/readCookie.ts";
import { createRemoteJWKSet, importJWK, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { sha256Hex } from "../utils/encoding.ts";
import { StaleWhileErrorCache } from "../utils/StaleWhileErrorCache.ts";
import { bearerToken } from "./adminKey.ts";

/** Algorithms a storefront may sign customer tokens with; anything else is refused. */
const PUBLIC_KEY_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
const remoteKeySets = new Map<string, JWTVerifyGetKey>();
const authUrlAnswers = new Map<string, { customerId: string; until: number }>();
const publicKeys = new StaleWhileErrorCache<CryptoKey | Uint8Array>(5 * 60_000);

function authRequired(message = "Sign in to the store to see your downloads."): HttpError {
  return new HttpError("auth_required", message);
}

/**
 * docs/CONTRACT.md §8: who the customer is. A storefront-signed JWT (bearer or the tenant's
 * cookie; HS256 with the tenant's customer secret, or a public key / JWKS), or the
 * answer of the tenant's `auth_url` to the request's cookies. Throws 401 when there is
 * no valid credential and 503 when the store's auth service cannot be asked.
 */
export async function customerId(request: Request, env: Env, tenant: Tenant): Promise<string> {
  const config = tenant.settings.customer_auth ?? (tenant.customerKey ? { mode: "jwt" as const } : undefined);
  if (!config) throw authRequired("This store has not configured customer sign-in for downloads.");
  if (config.mode === "auth_url") return askAuthUrl(request, config.url, config.cache_seconds);

  const token =
    bearerToken(request) ?? (config.cookie ? readCookie(request.headers.get("Cookie"), config.cookie) : null);
  if (!token) throw authRequired();
  try {
    const { payload } = await jwtVerify(token, await verificationKey(tenant, config), {
      algorithms: tenant.customerKey && !config.public_jwk && !config.jwks_url ? ["HS256"] : PUBLIC_KEY_ALGORITHMS,
      issuer: config.issuer,
      clockTolerance: 30,
    });
    if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("no subject");
    return payload.sub;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw authRequired("Your sign-in is invalid or has expired; sign in again.");
  }
}

type JwtConfig = { public_jwk?: Record<string, unknown>; jwks_url?: string };

async function verificationKey(tenant: Tenant, config: JwtConfig): Promise<CryptoKey | Uint8Array | JWTVerifyGetKey> {
  if (config.jwks_url) {
    let set = remoteKeySets.get(config.jwks_url);
    if (!set) remoteKeySets.set(config.jwks_url, (set = createRemoteJWKSet(new URL(config.jwks_url))));
    return set;
  }
  if (config.public_jwk) {
    const jwk = config.public_jwk;
    return publicKeys.get(`${tenant.id}:${JSON.stringify(jwk)}`, () =>
      importJWK(jwk as Parameters<typeof importJWK>[0], jwkAlgorithm(jwk)),
    );
  }
  if (tenant.customerKey) return tenant.customerKey;
  throw authRequired("This store has not configured customer sign-in for downloads.");
}

/**
 * jose needs an algorithm to import a JWK; keys exported by most tools carry none, so it
 * follows from the key type (one per type among PUBLIC_KEY_ALGORITHMS).
 */
function jwkAlgorithm(jwk: Record<string, unknown>): string | undefined {
  if (typeof jwk.alg === "string") return jwk.alg;
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  return undefined;
}

/** Forwards the request's cookies to the store; the answer is cached briefly per cookie set. */
async function askAuthUrl(request: Request, url: string, cacheSeconds: number): Promise<string> {
  const cookie = request.headers.get("Cookie");
  if (!cookie) throw authRequired();
  const cacheKey = `${url}\n${await sha256Hex(cookie)}`;
  const cached = authUrlAnswers.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.customerId;

  let response: Response;
  try {
    response = await fetch(url, { headers: { Cookie: cookie, Accept: "application/json" } });
  } catch (error) {
    throw storeAuthDown(error);
  }
  if (response.status === 401 || response.status === 403) throw authRequired();
  if (!response.ok) throw storeAuthDown(`auth_url answered ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw storeAuthDown(error);
  }
  const id = typeof body === "object" && body !== null && "customer_id" in body ? body.customer_id : undefined;
  if (typeof id !== "string" && typeof id !== "number") throw authRequired();
  const customer = String(id);
  if (authUrlAnswers.size > 10_000) authUrlAnswers.clear();
  authUrlAnswers.set(cacheKey, { customerId: customer, until: Date.now() + cacheSeconds * 1000 });
  return customer;
}

function storeAuthDown(cause: unknown): HttpError {
  console.error("customer auth_url failed", cause);
  return new HttpError("unavailable", "The store's sign-in service is not answering. Please try again shortly.", {
    "Retry-After": "10",
  });
}

/** Links with `auth: true` open only for their own customer (401 without a credential, 403 for another). */
export async function requireLinkCustomer(
  request: Request,
  env: Env,
  tenant: Tenant,
  sub: string | undefined,
): Promise<void> {
  const customer = await customerId(request, env, tenant);
  if (sub === undefined || customer !== sub)
    throw new HttpError("forbidden", "This download belongs to another customer.");
}
