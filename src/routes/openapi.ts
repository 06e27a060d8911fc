import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { documentEndpoints } from "../http/endpoint.ts";
import { errorSchema } from "../http/errorSchema.ts";
import { ERROR_STATUS, type ErrorCode } from "../http/HttpError.ts";
import { downloadsListingSchema, newOrderNumberSchema } from "../orders/orderSchemas.ts";
import { profileRoutes } from "../profiles/index.ts";
import { tenantIdSchema } from "./admin/adminSchemas.ts";
import { listingQuerySchema } from "./listings.ts";
import { downloadInfoSchema, healthSchema } from "./schemas.ts";
import { adminEndpoints, operatorEndpoints } from "./endpoints.ts";

/** Where the issuer API lives (src/routes/admin/adminRouter.ts). */
export const ADMIN_BASE = "/admin/v1";

type Responses = RouteConfig["responses"];

const errorContent = {
  "application/json": { schema: errorSchema },
  "text/html": { schema: z.string().meta({ description: "A small HTML page, when `Accept` prefers text/html" }) },
};

/** Error answers (docs/CONTRACT.md §7) grouped by status; each status lists its codes. */
function errors(...codes: ErrorCode[]): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), { description: list.join(", "), content: errorContent }]),
  );
}

function json(description: string, schema: z.ZodType) {
  return { description, content: { "application/json": { schema } } };
}

/** The same answers without bodies, as HEAD gives them. */
function withoutBodies(responses: Responses): Responses {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      if ("$ref" in response) return [status, response];
      const { content: _content, ...rest } = response;
      return [status, rest];
    }),
  );
}

const binary = z.string().meta({ format: "binary" });

/**
 * `/openapi.json`, generated from the same zod schemas the routes validate with (request
 * bodies, queries, ids), so the document cannot drift from the code. The issuer API is
 * documented from the very lists its router mounts (src/routes/endpoints.ts); every route of
 * src/router.ts is here too, which test/integration/openapi.test.ts checks, and it validates
 * real answers against the response schemas.
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

  // --- Customer-facing routes (src/router.ts), bare and under /api/{tenant} -------------

  const token = z.string().meta({ description: "The signed download token, a JWS (docs/TOKEN.md)" });
  const tenant = tenantIdSchema.meta({ description: "Tenant id" });
  const downloadHeaders = z.object({
    Range: z.string().optional().meta({ description: "One range: bytes=a-b, bytes=a- or bytes=-n" }),
    "If-Range": z.string().optional(),
    "If-None-Match": z.string().optional(),
    "If-Modified-Since": z.string().optional(),
    "If-Match": z.string().optional(),
    "If-Unmodified-Since": z.string().optional(),
    "Sec-Purpose": z
      .string()
      .optional()
      .meta({ description: "`prefetch`: headers only, never counted (also `Purpose: prefetch`)" }),
  });
  const fileHeaders = z.object({
    "Content-Length": z.string(),
    "Accept-Ranges": z.literal("bytes"),
    ETag: z.string().meta({ description: "strong" }),
    "Last-Modified": z.string(),
    "Content-Disposition": z.string().meta({ description: `attachment; filename="…"; filename*=UTF-8''…` }),
    "Cache-Control": z.literal("private, no-store"),
  });
  const fileResponses: Responses = {
    200: {
      description: "The whole file; a GET counts one download (docs/CONTRACT.md §6)",
      headers: fileHeaders,
      content: { "application/octet-stream": { schema: binary } },
    },
    206: {
      description: "One byte range; counts when it starts at byte 0, else it may be a free resume",
      headers: fileHeaders.extend({ "Content-Range": z.string().meta({ description: "bytes a-b/size" }) }),
      content: { "application/octet-stream": { schema: binary } },
    },
    304: { description: "Not modified (If-None-Match / If-Modified-Since); not counted" },
    ...errors(
      "bad_request",
      "auth_required",
      "invalid_token",
      "not_yet_valid",
      "limit_reached",
      "ip_not_allowed",
      "device_limit_reached",
      "pending",
      "forbidden",
      "not_found",
      "expired",
      "revoked",
      "precondition_failed",
      "range_not_satisfiable",
      "rate_limited",
      "origin_error",
      "origin_timeout",
      "unavailable",
    ),
  };
  const infoResponses: Responses = {
    200: json("Link state, also for expired, exhausted or revoked links; never counts", downloadInfoSchema),
    ...errors(
      "auth_required",
      "invalid_token",
      "ip_not_allowed",
      "forbidden",
      "not_found",
      "origin_error",
      "origin_timeout",
      "unavailable",
    ),
  };
  const listingResponses: Responses = {
    200: json("Each file with a freshly signed download_url (null while pending or unusable)", downloadsListingSchema),
    ...errors("bad_request", "auth_required", "forbidden", "not_found", "unavailable"),
  };
  const customerSecurity: Record<string, string[]>[] = [{ customerToken: [] }, {}];

  for (const prefix of ["", "/api/{tenant}"]) {
    const tag = prefix ? "Tenant in the path" : "Tenant from the Host";
    const suffix = prefix ? "ForTenant" : "";
    const withTenant = <T extends z.ZodRawShape>(shape: T) =>
      prefix ? z.object({ tenant, ...shape }) : z.object(shape);
    for (const method of ["get", "head"] as const) {
      registry.registerPath({
        method,
        path: `${prefix}/downloads/{token}`,
        operationId: `${method === "get" ? "download" : "downloadHeaders"}${suffix}`,
        tags: ["Downloads", tag],
        summary: method === "get" ? "Download the file" : "The download's headers; never counted",
        security: [{}, { customerToken: [] }],
        request: { params: withTenant({ token }), headers: downloadHeaders },
        responses: method === "get" ? fileResponses : withoutBodies(fileResponses),
      });
    }
    registry.registerPath({
      method: "get",
      path: `${prefix}/downloads/{token}/info`,
      operationId: `downloadInfo${suffix}`,
      tags: ["Downloads", tag],
      summary: "Link state without downloading",
      security: [{}, { customerToken: [] }],
      request: { params: withTenant({ token }) },
      responses: infoResponses,
    });
    registry.registerPath({
      method: "get",
      path: `${prefix}/my/downloads`,
      operationId: `myDownloads${suffix}`,
      tags: ["Listings", tag],
      summary: "The signed-in customer's downloads",
      security: customerSecurity,
      request: { ...(prefix ? { params: withTenant({}) } : {}), query: listingQuerySchema },
      responses: listingResponses,
    });
    registry.registerPath({
      method: "get",
      path: `${prefix}/orders/{orderNumber}/downloads`,
      operationId: `orderDownloads${suffix}`,
      tags: ["Listings", tag],
      summary: "One order's downloads, for the customer who placed it",
      security: customerSecurity,
      request: { params: withTenant({ orderNumber: newOrderNumberSchema }), query: listingQuerySchema },
      responses: listingResponses,
    });
    for (const method of ["get", "head"] as const) {
      registry.registerPath({
        method,
        path: `${prefix}/o/{accessKey}`,
        operationId: `${method === "get" ? "orderPage" : "orderPageHeaders"}${suffix}`,
        tags: ["Listings", tag],
        summary: "The order's hosted downloads page (HTML; no login, the access key is the credential)",
        description:
          "Each file with size, downloads left, expiry and a freshly signed Download button. Rate limited per " +
          "client address like the seed-002 lookup. Errors are HTML pages too: 404 for an unknown key, 429 with " +
          "Retry-After.",
        request: { params: withTenant({ accessKey: z.string() }) },
        responses: {
          200:
            method === "get"
              ? { description: "The page", content: { "text/html": { schema: z.string() } } }
              : { description: "The page's headers" },
        },
      });
    }
  }

  registry.registerPath({
    method: "get",
    path: "/healthz",
    operationId: "health",
    tags: ["Service"],
    summary: "Liveness",
    responses: { 200: json("Alive", healthSchema) },
  });
  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    operationId: "openApi",
    tags: ["Service"],
    summary: "This document",
    responses: {
      200: json("OpenAPI 3.1 document", z.record(z.string(), z.unknown())),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/docs",
    operationId: "apiReference",
    tags: ["Service"],
    summary: "This document as a human-readable page",
    description:
      "An HTML page that renders `/openapi.json` with its own small script (no third-party content). " +
      "On a store's host whose tenant has an origin, `/docs` belongs to the store and is proxied.",
    responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
  });

  // --- The issuer API (src/routes/endpoints.ts): operator scope, then tenant scope ------

  documentEndpoints(registry, operatorEndpoints, { base: ADMIN_BASE });
  documentEndpoints(registry, adminEndpoints, { base: ADMIN_BASE });

  // --- Compatibility profiles (src/profiles/): shapes are their systems', see docs/PROFILES.md

  for (const route of profileRoutes) {
    if (route.path.includes("*")) continue;
    const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)[?+]?/g)].map((m) => m[1] as string);
    const path = route.path.replace(/:([A-Za-z0-9_]+)[?+]?/g, "{$1}");
    const methods =
      route.method === "ALL"
        ? (["get", "post", "put", "patch", "delete"] as const)
        : ([route.method.toLowerCase()] as ("get" | "head" | "post" | "put" | "patch" | "delete")[]);
    for (const method of methods) {
      registry.registerPath({
        method,
        path,
        tags: ["Compatibility profiles"],
        summary: "A compatibility profile's route",
        description:
          "Answers in the shape of the storefront system it imitates, for tenants that enabled the profile " +
          "(settings.profiles); for other tenants the request goes on to the tenant's origin, else 404.",
        ...(names.length > 0
          ? { request: { params: z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) } }
          : {}),
        responses: { 200: { description: "The profile's answer" }, ...errors("not_found") },
      });
    }
  }

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
