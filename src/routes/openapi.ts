import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { documentEndpoints } from "../http/documentEndpoints.ts";
import { tenantPrefix } from "./customer/customerSchemas.ts";
import {
  adminEndpoints,
  customerEndpoints,
  operatorEndpoints,
  profileEndpoints,
  serviceEndpoints,
} from "./endpoints.ts";

/** Where the issuer API lives (src/routes/admin/adminRouter.ts). */
export const ADMIN_BASE = "/admin/v1";

/**
 * `/openapi.json`, generated from the same zod schemas the routes validate with (request
 * bodies, queries, ids), so the document cannot drift from the code. The issuer API is
 * documented from the very lists its router mounts (src/routes/endpoints.ts), and so are the
 * customer, service and profile routes of src/router.ts; this file is the document's frame
 * (security schemes, info, tags). test/integration/openapi.test.ts validates real answers
 * against the response schemas.
 */
function buildDocument() {
  const registry = new OpenAPIRegistry();

  registry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description:
      "A tenant's admin API key (`dlgk_<id>_<secret>`). It only ever sees and changes its own tenant's data.",
  });
  registry.registerComponent("securitySchemes", "operatorSecret", {
    type: "http",
    scheme: "bearer",
    description: "The deployment's OPERATOR_SECRET (a Worker secret). Tenant management only.",
  });
  registry.registerComponent("securitySchemes", "customerToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "The storefront's customer JWT (subject = customer id), docs/CONTRACT.md §8. A tenant may also accept it from a " +
      "cookie it names, or resolve the customer by forwarding the request's cookies to its auth_url. Cookies " +
      "count only on the tenant's own host; under /api/{tenant} on a shared host only this bearer token does.",
  });

  // --- Customer-facing routes, bare and under /api/{tenant}, and the service routes ------

  documentEndpoints(registry, customerEndpoints, { tenantPrefix });
  documentEndpoints(registry, serviceEndpoints);

  // --- The issuer API (src/routes/endpoints.ts): operator scope, then tenant scope ------

  documentEndpoints(registry, operatorEndpoints, { base: ADMIN_BASE });
  documentEndpoints(registry, adminEndpoints, { base: ADMIN_BASE });

  // --- Compatibility profiles (src/profiles/): shapes are their systems', see docs/PROFILES.md

  documentEndpoints(registry, profileEndpoints);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "dlgate",
      version: "0.1.0",
      description:
        "Edge gateway for paid digital downloads. Contract: docs/CONTRACT.md; token format: docs/TOKEN.md; as a page: /docs. " +
        "Every error is JSON `{error, message}` (plus `details` for bad_request), or a small HTML page when " +
        "`Accept` prefers text/html. Issuer API input is strict: an unknown or misplaced field in a body, in " +
        "settings or in a query string is 400 bad_request, each `details` entry naming the field (`path`), why " +
        '(`message`, e.g. "unknown field here; it belongs in grant") and, when it can tell, the field meant ' +
        "(`suggestion`). Text that ends in a header or a file name may not contain control characters.",
    },
    tags: [
      { name: "Downloads", description: "Signed download links (docs/CONTRACT.md §3–§6)" },
      { name: "Listings", description: "For storefront front ends (docs/CONTRACT.md §8)" },
      { name: "Tenant from the Host", description: "The tenant is the Host header's" },
      { name: "Tenant in the path", description: "The same routes with the tenant in the path" },
      { name: "Operator", description: "Deployment operator: tenants and their first credentials" },
      { name: "Issuer: files", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: orders", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: links", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: keys", description: "Issuer API (Bearer admin key)" },
      { name: "Service", description: "Liveness and this document" },
    ],
  });
}

let cached: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument(): ReturnType<typeof buildDocument> {
  cached ??= buildDocument();
  return cached;
}
