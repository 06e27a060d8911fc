import type { IRequest } from "itty-router";
import type { Env } from "../env.ts";
import { profileEndpoints } from "../profiles/index.ts";
import { tenantByHost, tenantById } from "../tenants/resolveTenant.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import type { ProfileName } from "../tenants/tenantSettings.ts";
import { CORS_CORE_PATHS } from "./corsPaths.ts";
import { methodsByPath } from "./endpoint.ts";

/**
 * CORS for the routes a storefront's front end calls from the browser (docs/CONTRACT.md §4):
 * the listings, `/downloads/:token/info` and the compatibility profiles' paths. Only the
 * tenant's `allowed_origins` (exact origins) get `Access-Control-Allow-Origin`, always with
 * credentials, because these answers are personal (a customer's orders): a wildcard would
 * be refused by browsers for credentialed calls anyway, and would be wrong.
 *
 * A preflight (`OPTIONS`) on these paths is answered here and never proxied to the origin.
 * A preflight from an origin the tenant did not list gets 204 without any
 * `Access-Control-Allow-*` header: the browser then refuses the real call by itself, and the
 * answer tells a prober nothing (a 403 would confirm that the path is the gateway's).
 */

const ALLOW_METHODS = "GET, HEAD, OPTIONS";
/** What a storefront's fetch() may send: credentials, the seed-001 key, and resume/conditional headers. */
const ALLOW_HEADERS =
  "Authorization, Content-Type, X-STOREFRONT-KEY, Range, If-Range, If-None-Match, If-Modified-Since";
/** Headers a page may read beyond the CORS-safelisted ones. */
const EXPOSE_HEADERS = "Retry-After, Content-Disposition, Content-Range, Content-Length, ETag";
/** Chromium caps a preflight cache at 2 h; 10 min lets a changed `allowed_origins` apply soon. */
const MAX_AGE_SECONDS = "600";

/** An itty-router pattern (`/a/:b/c`) as an anchored RegExp; `:name` is one path segment. */
const patternOf = (path: string) => new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/:(\w+)/g, "(?<$1>[^/]+)")}/?$`);

/** The methods each profile path takes, as its seed system's (GET, and HEAD where declared). */
const profileMethods = methodsByPath(profileEndpoints);

/** A profile path's methods plus the preflight, as `Allow` lists them. */
function profileAllow(path: string): string {
  const methods = profileMethods.get(path) ?? [];
  return [...new Set(methods.map((m) => m.toUpperCase())), "OPTIONS"].join(", ");
}

/** Each profile path once, with the profile that owns it and the methods it takes. */
const profilePatterns = [
  ...new Map(profileEndpoints.map(({ path, profile }) => [path, profile as ProfileName])).entries(),
].map(([path, profile]) => ({ pattern: patternOf(path), profile, allow: profileAllow(path) }));
const corePatterns = CORS_CORE_PATHS.flatMap((path) => [patternOf(path), patternOf(`/api/:prefix${path}`)]);

/**
 * The tenant whose `allowed_origins` govern this path, or null when the path is not one
 * of the CORS routes (or belongs to no tenant). Profile paths count only where the Host's
 * tenant enabled the profile: elsewhere they are the storefront's own paths.
 */
async function corsTenant(url: URL, env: Env): Promise<{ tenant: Tenant; allow: string } | null> {
  const path = url.pathname;
  const profile = profilePatterns.find(({ pattern }) => pattern.test(path));
  if (profile) {
    const tenant = await tenantByHost(env, url.host);
    if (tenant?.settings.profiles.includes(profile.profile)) return { tenant, allow: profile.allow };
  }
  for (const pattern of corePatterns) {
    const match = pattern.exec(path);
    if (!match) continue;
    const hostTenant = await tenantByHost(env, url.host);
    const prefix = match.groups?.prefix;
    // A host that belongs to a tenant serves that tenant only; a prefix naming another is refused.
    if (hostTenant)
      return prefix === undefined || prefix === hostTenant.id ? { tenant: hostTenant, allow: ALLOW_METHODS } : null;
    const named = prefix === undefined ? null : await tenantById(env, prefix);
    return named ? { tenant: named, allow: ALLOW_METHODS } : null;
  }
  return null;
}

/** The request's Origin when the path is a CORS route and its tenant lists that origin. */
interface CorsDecision {
  /** The path is one of the CORS routes of a known tenant. */
  route: boolean;
  allowedOrigin: string | null;
  /** The methods the path takes (`Allow`, and the preflight's allowed methods). */
  allow: string;
}

async function decide(request: Request, env: Env): Promise<CorsDecision> {
  const found = await corsTenant(new URL(request.url), env);
  if (!found) return { route: false, allowedOrigin: null, allow: ALLOW_METHODS };
  const origin = request.headers.get("Origin");
  const allowed = origin !== null && found.tenant.settings.allowed_origins.includes(origin);
  return { route: true, allowedOrigin: allowed ? origin : null, allow: found.allow };
}

/**
 * Router `before` step: answers every `OPTIONS` on a CORS route itself (204). A
 * preflight from an allowed origin gets the allow headers; anything else gets none.
 */
export async function answerPreflight(request: IRequest, env: Env): Promise<Response | undefined> {
  if (request.method !== "OPTIONS") return undefined;
  const { route, allowedOrigin, allow } = await decide(request, env);
  if (!route) return undefined;
  const headers = new Headers({ Allow: allow, Vary: "Origin", "Cache-Control": "no-store" });
  if (allowedOrigin && request.headers.has("Access-Control-Request-Method")) {
    headers.set("Access-Control-Allow-Origin", allowedOrigin);
    headers.set("Access-Control-Allow-Credentials", "true");
    headers.set("Access-Control-Allow-Methods", allow);
    headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    headers.set("Access-Control-Max-Age", MAX_AGE_SECONDS);
  }
  return new Response(null, { status: 204, headers });
}

/**
 * Router `finally` step: adds the allow headers to every answer of a CORS route for an
 * allowed origin — errors included, since a page must be able to read `auth_required` or
 * `rate_limited` to react to it — and `Vary: Origin` to every answer of those routes.
 */
export async function addCorsHeaders(response: unknown, request: IRequest, env: Env): Promise<Response | undefined> {
  if (!(response instanceof Response) || request.method === "OPTIONS") return undefined;
  let decision: CorsDecision;
  try {
    decision = await decide(request, env);
  } catch {
    // The tenant lookup failed (D1 down, nothing cached): the answer is already an error.
    return undefined;
  }
  if (!decision.route) return undefined;
  const apply = (headers: Headers) => {
    appendVary(headers, "Origin");
    if (!decision.allowedOrigin) return;
    headers.set("Access-Control-Allow-Origin", decision.allowedOrigin);
    headers.set("Access-Control-Allow-Credentials", "true");
    headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
  };
  try {
    apply(response.headers);
    return response;
  } catch {
    // Responses passed through from fetch() have immutable headers: copy them once.
    const copy = new Response(response.body, response);
    apply(copy.headers);
    return copy;
  }
}

function appendVary(headers: Headers, name: string): void {
  const vary = headers.get("Vary");
  const names = vary ? vary.split(",").map((v) => v.trim().toLowerCase()) : [];
  if (names.includes("*") || names.includes(name.toLowerCase())) return;
  headers.set("Vary", vary ? `${vary}, ${name}` : name);
}
