import { Router, type IRequest } from "itty-router";
import type { Env } from "./env.ts";
import { addCorsHeaders, answerPreflight } from "./http/cors.ts";
import { mountEndpoints } from "./http/endpoint.ts";
import { errorBoundary } from "./http/errorBoundary.ts";
import { adminRouter } from "./routes/admin/adminRouter.ts";
import { customerEndpoints, profileEndpoints, serviceEndpoints } from "./routes/endpoints.ts";
import { proxyToOrigin, refuseNonCanonicalPath } from "./routes/proxy.ts";
import { tenantByHost, tenantById } from "./tenants/resolveTenant.ts";
import { answersPreflight } from "./http/corsPaths.ts";

type Args = [Env, ExecutionContext];

/**
 * The frame of the route table (docs/CONTRACT.md §4): the endpoints themselves are listed
 * in src/routes/endpoints.ts, each declared once in its own file.
 */
export const router = Router<IRequest, Args>({
  before: [refuseNonCanonicalPath, answerPreflight],
  catch: errorBoundary,
  // Runs after the catch too, so error answers carry the CORS headers as well.
  finally: [addCorsHeaders],
});

// Compatibility profiles first: some of their paths have the shape of `/api/:tenant/…`
// (`/api/merchello/downloads/:token`). Where the Host's tenant has not enabled the profile
// the endpoint answers nothing, and the request goes on to the routes below and the origin.
mountEndpoints(router, profileEndpoints);

// The tenant prefix `/api/<x>/…` is the gateway's only where it names a store the Host
// does not already name (docs/CONTRACT.md §4): on a host of no tenant when <x> is a
// tenant, and on a store's own host when <x> is that store. Everything else under `/api/`
// is the Host's storefront's (its own API, or a profile path it did not enable), proxied
// like any path (404 without an origin). So a store whose id happens to be `merchello` or
// `shop` never takes those paths away from the other stores' hosts, and another store's
// gateway pages are never answered on this store's host (the cookies sent to this host
// are this store's: requestTenant refuses a foreign tenant as well).
router.all("/api/:tenant/*", async (request, env) => {
  const named = request.params.tenant ?? "";
  const hostTenant = await tenantByHost(env, new URL(request.url).host);
  if (hostTenant) return hostTenant.id === named ? undefined : proxyToOrigin(request, env);
  return (await tenantById(env, named)) ? undefined : proxyToOrigin(request, env);
});

// Each customer path bare and under `/api/:tenant`; any other method on them is the gateway's to refuse.
// OPTIONS is left to the CORS handling only on the paths that answer preflights.
mountEndpoints(router, customerEndpoints, {
  tenantPrefix: true,
  refuseOtherMethods: true,
  corsPreflight: answersPreflight,
});
mountEndpoints(router, serviceEndpoints, { refuseOtherMethods: true, corsPreflight: answersPreflight });
router.all("/admin/v1/*", (request, env, ctx) => adminRouter.fetch(request, env, ctx));

// Everything else belongs to the storefront, when the tenant has one (else 404).
router.all("*", (request, env) => proxyToOrigin(request, env));
