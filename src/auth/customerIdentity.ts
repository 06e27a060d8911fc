import { readCookie } from "../http/readCookie.ts";
import { createRemoteJWKSet, importJWK, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Env } from "../env.ts";
import { fetchWithDeadlines } from "../http/fetchWithDeadlines.ts";
import { HttpError } from "../http/HttpError.ts";
import { unavailable } from "../http/unavailable.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { hostScope } from "../tenants/resolveTenant.ts";
import { sha256Hex } from "../utils/encoding.ts";
import { okpKeyFlaw } from "../token/ed25519KeyFlaw.ts";
import type { CustomerPublicJwk } from "../tenants/tenantSettings.ts";
import { StaleWhileErrorCache } from "../utils/StaleWhileErrorCache.ts";
import { bearerToken } from "./adminKey.ts";

/** Algorithms a storefront may sign customer tokens with; anything else is refused. */
const PUBLIC_KEY_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
const remoteKeySets = new Map<string, JWTVerifyGetKey>();
const authUrlAnswers = new Map<string, { customerId: string; until: number }>();
const publicKeys = new StaleWhileErrorCache<CryptoKey | Uint8Array>(5 * 60_000);
/**
 * The longest a listing waits for the store's `auth_url`, for its headers and then between
 * body chunks: the tenant's `origin_timeout_seconds`, but never more than this. A customer
 * looking at a page waits for it, so a store whose sign-in service hangs gets its `503`
 * within seconds, not after the 30 s a file download may take to start.
 */
const AUTH_URL_MAX_WAIT_SECONDS = 10;

function authRequired(message = "Sign in to the store to see your downloads."): HttpError {
  return new HttpError("auth_required", message);
}

/**
 * The credentials a request may use for `tenant`, by where it was sent (docs/CONTRACT.md §4):
 *
 * - On the tenant's own host, its cookies and its bearer token. Both were sent to that
 *   store's address, so they are that store's to see.
 * - On a host that belongs to no tenant (the `/api/<tenant>/…` form on a shared gateway
 *   domain), only an explicit bearer token, never cookies. A browser attaches a shared
 *   host's cookies to every request to it, whichever store's page or link caused the
 *   request, so a cookie there cannot be attributed to any one store: forwarding it to
 *   the named tenant's `auth_url` would let any store collect the customers' cookies of
 *   all the others with a single link, and reading a JWT from it would let a store that
 *   copies another's public key identify that store's customers. A bearer token is put
 *   on a request explicitly by the caller's code, which got it from the store it calls.
 * - On another tenant's host: nothing. `requestTenant` already answers 404 there; this is
 *   the second lock on the same door, for any route that resolves a tenant another way.
 */
async function credentialsFor(
  request: Request,
  env: Env,
  tenant: Tenant,
): Promise<{ cookie: string | null; bearer: string | null }> {
  const scope = await hostScope(env, request, tenant);
  if (scope === "foreign") throw new HttpError("not_found", "There is no such store at this address.");
  return { cookie: scope === "own" ? request.headers.get("Cookie") : null, bearer: bearerToken(request) };
}

/**
 * docs/CONTRACT.md §8: who the customer is. A storefront-signed JWT (bearer or the tenant's
 * cookie; HS256 with the tenant's customer secret, or a public key / JWKS), or the
 * answer of the tenant's `auth_url` to the request's credentials. Only credentials the
 * request's Host may use for this tenant count (`credentialsFor`). Throws 401 when there
 * is no valid credential and 503 when the store's auth service cannot be asked.
 */
export async function customerId(request: Request, env: Env, tenant: Tenant): Promise<string> {
  const config = tenant.settings.customer_auth ?? (tenant.customerKey ? { mode: "jwt" as const } : undefined);
  if (!config) throw authRequired("This store has not configured customer sign-in for downloads.");
  const credentials = await credentialsFor(request, env, tenant);
  if (config.mode === "auth_url") {
    const waitMs = Math.min(tenant.settings.origin_timeout_seconds, AUTH_URL_MAX_WAIT_SECONDS) * 1000;
    return askAuthUrl(credentials, config.url, config.cache_seconds, waitMs);
  }

  const token = credentials.bearer ?? (config.cookie ? readCookie(credentials.cookie, config.cookie) : null);
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

type JwtConfig = { public_jwk?: CustomerPublicJwk | undefined; jwks_url?: string | undefined };

async function verificationKey(tenant: Tenant, config: JwtConfig): Promise<CryptoKey | Uint8Array | JWTVerifyGetKey> {
  if (config.jwks_url) {
    let set = remoteKeySets.get(config.jwks_url);
    if (!set)
      remoteKeySets.set(config.jwks_url, (set = withoutForgeableKeys(createRemoteJWKSet(new URL(config.jwks_url)))));
    return set;
  }
  if (config.public_jwk) {
    // The settings hold only a usable public key (tenantSettings.ts: a stored one that no
    // longer passes, such as a small-order Ed25519 key, is dropped when they are read).
    const jwk = config.public_jwk;
    return publicKeys.get(`${tenant.id}:${JSON.stringify(jwk)}`, () => importJWK(jwk, jwkAlgorithm(jwk)));
  }
  if (tenant.customerKey) return tenant.customerKey;
  throw authRequired("This store has not configured customer sign-in for downloads.");
}

/**
 * A JWKS whose Ed25519 keys include one anyone could sign for (`ed25519KeyFlaw`) verifies
 * no EdDSA token: jose imports whatever the store's document holds, and WebCrypto's verify
 * accepts a forged signature for a small-order key.
 */
function withoutForgeableKeys(set: ReturnType<typeof createRemoteJWKSet>): JWTVerifyGetKey {
  return async (header, token) => {
    const key = await set(header, token);
    if (header.alg === "EdDSA" && (set.jwks()?.keys ?? []).some((jwk) => okpKeyFlaw(jwk as Record<string, unknown>)))
      throw new Error("the JWKS holds an Ed25519 key anyone could sign for");
    return key;
  };
}

/**
 * jose needs an algorithm to import a JWK; keys exported by most tools carry none, so it
 * follows from the key type (one per type among PUBLIC_KEY_ALGORITHMS).
 */
function jwkAlgorithm(jwk: CustomerPublicJwk): string {
  return jwk.kty === "RSA" ? "RS256" : jwk.kty === "EC" ? "ES256" : "EdDSA";
}

/**
 * Forwards the usable credentials (cookies and/or a bearer token, see `credentialsFor`)
 * to the store; the answer is cached briefly per credential set. The store gets `waitMs`
 * for its headers and again between body chunks (`fetchWithDeadlines`, which gives up even
 * on a connection that ignores the abort); a store that misses it is down, so `503`.
 */
async function askAuthUrl(
  credentials: { cookie: string | null; bearer: string | null },
  url: string,
  cacheSeconds: number,
  waitMs: number,
): Promise<string> {
  const { cookie, bearer } = credentials;
  if (!cookie && !bearer) throw authRequired();
  const headers = new Headers({ Accept: "application/json" });
  if (cookie) headers.set("Cookie", cookie);
  if (bearer) headers.set("Authorization", `Bearer ${bearer}`);
  const cacheKey = `${url}\n${await sha256Hex(`${cookie ?? ""}\n${bearer ?? ""}`)}`;
  const cached = authUrlAnswers.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.customerId;

  let response: Response;
  try {
    // Not followed: a redirect would carry the customer's cookies and bearer token to
    // wherever it points (another host, or plain http). The store configures the final URL.
    ({ response } = await fetchWithDeadlines(
      url,
      { headers, redirect: "manual" },
      { headersMs: waitMs, stallMs: waitMs },
    ));
  } catch (error) {
    throw storeAuthDown(error);
  }
  if (response.status >= 300 && response.status < 400) {
    response.body?.cancel().catch(() => {});
    throw storeAuthDown(`auth_url answered a redirect (${response.status}); set the URL it points to`);
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
  return unavailable("The store's sign-in service is not answering. Please try again shortly.", 10);
}

/** Links with `auth: true` open only for their own customer (401 without a credential, 403 for another). */
export async function requireLinkCustomer(
  request: Request,
  env: Env,
  tenant: Tenant,
  sub: string | undefined,
): Promise<void> {
  // Before asking for a sign-in (and the store's auth_url): none would open this link.
  if (sub === undefined)
    throw new HttpError("forbidden", "This download link names no customer, so no sign-in can open it.");
  const customer = await customerId(request, env, tenant);
  if (customer !== sub) throw new HttpError("forbidden", "This download belongs to another customer.");
}
