import { Router, type IRequest } from "itty-router";
import type { Env } from "./env.ts";
import { addCorsHeaders, answerPreflight } from "./http/cors.ts";
import { mountEndpoints } from "./http/endpoint.ts";
import { errorBoundary } from "./http/errorBoundary.ts";
import { adminRouter } from "./routes/admin/adminRouter.ts";
import { customerEndpoints, profileEndpoints, serviceEndpoints } from "./routes/endpoints.ts";
import { proxyToOrigin, refuseNonCanonicalPath } from "./routes/proxy.ts";
import { tenantById } from "./tenants/resolveTenant.ts";
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

// `/api/<x>/…` where <x> is no tenant is not the gateway's: it goes to the origin (the
// storefront's own API, or a profile path the tenant did not enable), else 404. When <x>
// is a tenant but the Host belongs to another one, the gateway's routes below answer 404
// (requestTenant, docs/CONTRACT.md §4: one store's customers' cookies never reach another
// store), and any other path under it is the Host's storefront's, proxied like any path.
router.all("/api/:tenant/*", async (request, env) =>
  (await tenantById(env, request.params.tenant ?? "")) ? undefined : proxyToOrigin(request, env),
);

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
