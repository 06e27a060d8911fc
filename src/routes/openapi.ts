import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { downloadInfoSchema, errorSchema, healthSchema } from "./schemas.ts";

/**
 * `/openapi.json`, generated from the same zod schemas the routes use, so the
 * document cannot drift from the code.
 */
function buildDocument() {
  const registry = new OpenAPIRegistry();
  const token = z.string().meta({ description: "The signed download token (a JWS, DESIGN.md §3)" });
  const tenant = z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .meta({ description: "Tenant id" });
  const errors = {
    content: { "application/json": { schema: errorSchema }, "text/html": { schema: z.string() } },
  };
  const fileResponses = {
    200: {
      description: "The whole file",
      content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } },
    },
    206: {
      description: "One byte range of the file (Range header)",
      content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } },
    },
    304: { description: "Not modified (If-None-Match / If-Modified-Since)" },
    401: { description: "auth_required", ...errors },
    403: {
      description:
        "invalid_token, not_yet_valid, limit_reached, ip_not_allowed, device_limit_reached, pending, forbidden",
      ...errors,
    },
    404: { description: "not_found", ...errors },
    410: { description: "expired, revoked", ...errors },
    412: { description: "precondition_failed (If-Match / If-Unmodified-Since)", ...errors },
    416: { description: "range_not_satisfiable, with Content-Range: bytes */size", ...errors },
    503: { description: "unavailable, with Retry-After", ...errors },
  };
  const infoResponses = {
    200: {
      description: "Link state, also for expired, exhausted or revoked links",
      content: { "application/json": { schema: downloadInfoSchema } },
    },
    403: fileResponses[403],
    404: fileResponses[404],
    503: fileResponses[503],
  };

  for (const prefix of ["", "/api/{tenant}"]) {
    const params = prefix ? z.object({ tenant, token }) : z.object({ token });
    for (const method of ["get", "head"] as const) {
      registry.registerPath({
        method,
        path: `${prefix}/downloads/{token}`,
        summary:
          method === "get" ? "Download the file (counts per DESIGN.md §6)" : "The download's headers, never counted",
        request: { params },
        responses: fileResponses,
      });
    }
    registry.registerPath({
      method: "get",
      path: `${prefix}/downloads/{token}/info`,
      summary: "Link state without downloading",
      request: { params },
      responses: infoResponses,
    });
  }
  registry.registerPath({
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    responses: { 200: { description: "Alive", content: { "application/json": { schema: healthSchema } } } },
  });
  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "dlgate",
      version: "0.1.0",
      description: "Edge gateway for paid digital downloads. Contract: DESIGN.md; token format: docs/TOKEN.md.",
    },
  });
}

let cached: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument(): ReturnType<typeof buildDocument> {
  cached ??= buildDocument();
  return cached;
}
