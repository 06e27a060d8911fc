import { Router, type IRequest } from "itty-router";
import type { Env } from "./env.ts";
import { addCorsHeaders, answerPreflight } from "./http/cors.ts";
import { errorBoundary } from "./http/errorBoundary.ts";
import { json } from "./http/json.ts";
import { methodNotAllowed } from "./http/methodNotAllowed.ts";
import { adminRouter } from "./routes/admin/adminRouter.ts";
import { serveApiDocs } from "./routes/apiDocs.ts";
import { serveBenchBaseline, serveBenchLinkFloor, serveBenchListingFloor } from "./routes/benchBaseline.ts";
import { serveDownload } from "./routes/download.ts";
import { serveDownloadInfo } from "./routes/downloadInfo.ts";
import { myDownloads, orderDownloads } from "./listings/customerListings.ts";
import { openApiDocument } from "./routes/openapi.ts";
import { serveOrderPage } from "./routes/orderPage.ts";
import { profileRoutes } from "./profiles/index.ts";
import type { ProfileRoute } from "./profiles/profileRoute.ts";
import { proxyToOrigin, refuseNonCanonicalPath } from "./routes/proxy.ts";
import { tenantById } from "./tenants/resolveTenant.ts";

type Args = [Env, ExecutionContext];

const param = (request: IRequest, name: string): string => request.params[name] ?? "";

/** The route table (docs/CONTRACT.md §4). Each path exists bare and under `/api/:tenant`. */
export const router = Router<IRequest, Args>({
  before: [refuseNonCanonicalPath, answerPreflight],
  catch: errorBoundary,
  // Runs after the catch too, so error answers carry the CORS headers as well.
  finally: [addCorsHeaders],
});

// Compatibility profiles first: some of their paths have the shape of `/api/:tenant/…`
// (`/api/merchello/downloads/:token`). A handler answers undefined when its tenant has not
// enabled the profile, and the request goes on to the routes below and the origin.
for (const route of profileRoutes) {
  router[route.method.toLowerCase() as Lowercase<ProfileRoute["method"]>](route.path, route.handler);
}

// `/api/<x>/…` where <x> is no tenant is not the gateway's: it goes to the origin (the
// storefront's own API, or a profile path the tenant did not enable), else 404. When <x>
// is a tenant but the Host belongs to another one, the gateway's routes below answer 404
// (requestTenant, docs/CONTRACT.md §4: one store's customers' cookies never reach another
// store), and any other path under it is the Host's storefront's, proxied like any path.
router.all("/api/:tenant/*", async (request, env) =>
  (await tenantById(env, param(request, "tenant"))) ? undefined : proxyToOrigin(request, env),
);

for (const prefix of ["", "/api/:tenant"]) {
  const tenantOf = (request: IRequest) => (prefix ? param(request, "tenant") : undefined);
  router
    .get(`${prefix}/downloads/:token/info`, (request, env) =>
      serveDownloadInfo(request, env, param(request, "token"), tenantOf(request)),
    )
    .get(`${prefix}/downloads/:token`, (request, env, ctx) =>
      serveDownload({ request, env, ctx, token: param(request, "token"), pathTenant: tenantOf(request) }),
    )
    .get(`${prefix}/my/downloads`, (request, env) => myDownloads(request, env, tenantOf(request)))
    .get(`${prefix}/orders/:orderNumber/downloads`, (request, env) =>
      orderDownloads(request, env, param(request, "orderNumber"), tenantOf(request)),
    )
    .head(`${prefix}/downloads/:token`, (request, env, ctx) =>
      serveDownload({ request, env, ctx, token: param(request, "token"), pathTenant: tenantOf(request) }),
    )
    .get(`${prefix}/o/:accessKey`, (request, env) =>
      serveOrderPage(request, env, param(request, "accessKey"), tenantOf(request)),
    )
    .head(`${prefix}/o/:accessKey`, (request, env) =>
      serveOrderPage(request, env, param(request, "accessKey"), tenantOf(request)),
    )
    // Any other method on these paths is the gateway's to refuse, never the origin's.
    .all(`${prefix}/downloads/:token/info`, methodNotAllowed(["GET"]))
    .all(`${prefix}/downloads/:token`, methodNotAllowed(["GET", "HEAD"]))
    .all(`${prefix}/my/downloads`, methodNotAllowed(["GET"]))
    .all(`${prefix}/orders/:orderNumber/downloads`, methodNotAllowed(["GET"]))
    .all(`${prefix}/o/:accessKey`, methodNotAllowed(["GET", "HEAD"]));
}

router
  .get("/healthz", () => json({ ok: true, service: "dlgate" }))
  .get("/openapi.json", () => json(openApiDocument()))
  .all("/healthz", methodNotAllowed(["GET"]))
  .all("/openapi.json", methodNotAllowed(["GET"]))
  .get("/docs", (request, env) => serveApiDocs(request, env))
  .all("/admin/v1/*", (request, env, ctx) => adminRouter.fetch(request, env, ctx))
  .get("/__bench/r2/:tenant/:file", (request, env) =>
    serveBenchBaseline(env, param(request, "tenant"), param(request, "file")),
  )
  .get("/__bench/r2-after-link/:tenant/:link/:file", (request, env) =>
    serveBenchLinkFloor(env, param(request, "tenant"), param(request, "link"), param(request, "file")),
  )
  .get("/__bench/listing/:tenant", (request, env) => serveBenchListingFloor(request, env, param(request, "tenant")));

// Everything else belongs to the storefront, when the tenant has one (else 404).
router.all("*", (request, env) => proxyToOrigin(request, env));
