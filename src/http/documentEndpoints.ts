import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { Access, BodySpec, Endpoint, Method } from "./endpoint.ts";
import { errorSchema } from "./errorSchema.ts";
import { ERROR_STATUS, type ErrorCode } from "./HttpError.ts";

/**
 * The OpenAPI side of the endpoint shape (http/endpoint.ts): each declaration becomes its
 * `/openapi.json` entry — parameters, headers and body from the same zod schemas the
 * router validates with, success answers, and the error answers its codes imply.
 */

/**
 * Error answers (docs/CONTRACT.md §7) grouped by status; each status lists its codes. The
 * issuer and operator API answers JSON only, even to a browser (http/renderError.ts).
 */
export function errorResponses(codes: readonly ErrorCode[], jsonOnly = false): Record<string, ResponseConfig> {
  const content = {
    "application/json": { schema: errorSchema },
    ...(!jsonOnly && {
      "text/html": { schema: z.string().meta({ description: "A small HTML page, when `Accept` prefers text/html" }) },
    }),
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [String(status), { description: list.join(", "), content }]),
  );
}

const SECURITY: Record<Access, RouteConfig["security"]> = {
  admin: [{ adminKey: [] }],
  operator: [{ operatorSecret: [] }],
  public: undefined,
  profile: undefined,
};

const ACCESS_ERRORS: Record<Access, ErrorCode[]> = {
  admin: ["auth_required"],
  operator: ["auth_required", "forbidden"],
  public: [],
  profile: [],
};

/** The error codes an endpoint can answer with: its own plus those its declaration implies. */
export function endpointErrors(endpoint: Endpoint): ErrorCode[] {
  // Any route whose storage (D1, R2, a Durable Object) fails answers 503 + Retry-After (errorBoundary.ts).
  const implied: ErrorCode[] = [...ACCESS_ERRORS[endpoint.access], "unavailable"];
  // A query string is strict unless the endpoint takes any (endpoint.ts readQuery): an
  // unknown parameter is a 400 even where no parameter is declared.
  if ((endpoint.params && !endpoint.rawParams) || !endpoint.anyQuery) implied.push("bad_request");
  // A body declared absent is still read (up to the cap) to refuse one: 400, or 413 when huge.
  if (endpoint.body instanceof z.ZodType || endpoint.body === "none") implied.push("bad_request", "payload_too_large");
  return [...implied, ...endpoint.errors];
}

/** An OpenAPI path (`/links/{id}`) from an itty pattern (`/links/:id`). */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)[?+]?/g, "{$1}");

export interface DocumentOptions {
  /** The group's base path (`/admin/v1`), prefixed to each path. */
  base?: string;
  /** Document the `/api/{tenant}` form too, with its own operation id and tag. */
  tenantPrefix?: { tenantParam: z.ZodType };
}

/** Registers each endpoint (and, with `tenantPrefix`, its `/api/{tenant}` twin) in an OpenAPI registry. */
export function documentEndpoints(
  registry: OpenAPIRegistry,
  endpoints: readonly Endpoint[],
  options: DocumentOptions = {},
): void {
  const forms = options.tenantPrefix
    ? [
        { prefix: "", suffix: "", tag: "Tenant from the Host", tenant: undefined },
        { prefix: "/api/{tenant}", suffix: "ForTenant", tag: "Tenant in the path", tenant: options.tenantPrefix },
      ]
    : [{ prefix: "", suffix: "", tag: undefined, tenant: undefined }];
  for (const endpoint of endpoints) {
    if (endpoint.undocumented) continue;
    for (const form of forms) {
      const params = form.tenant
        ? z.object({ tenant: form.tenant.tenantParam, ...(endpoint.params?.shape ?? {}) })
        : endpoint.params;
      const body = documentedBody(endpoint.body);
      const security = endpoint.security ?? SECURITY[endpoint.access];
      for (const [method, suffix] of documentedMethods(endpoint, endpoints))
        registry.registerPath({
          method,
          path: `${options.base ?? ""}${form.prefix}${openApiPath(endpoint.path)}`,
          operationId: `${endpoint.operationId}${suffix}${form.suffix}`,
          tags: form.tag ? [...endpoint.tags, form.tag] : endpoint.tags,
          summary: endpoint.summary,
          ...(endpoint.description ? { description: endpoint.description } : {}),
          ...(security ? { security } : {}),
          request: {
            ...(params ? { params } : {}),
            ...(endpoint.query ? { query: endpoint.query } : {}),
            ...(endpoint.lenientQuery ? { query: endpoint.lenientQuery } : {}),
            ...(endpoint.headers ? { headers: endpoint.headers } : {}),
            ...(body ? { body } : {}),
          },
          responses: responsesOf(endpoint, method),
        });
    }
  }
}

/** `[method, operation id suffix]`: an `all` endpoint is documented under each method its path has no other endpoint for. */
function documentedMethods(endpoint: Endpoint, endpoints: readonly Endpoint[]): [Method, string][] {
  if (endpoint.method !== "all") return [[endpoint.method, ""]];
  const taken = new Set(endpoints.filter((e) => e.path === endpoint.path).map((e) => e.method));
  return (["get", "head", "post", "put", "patch", "delete"] as const)
    .filter((method) => !taken.has(method))
    .map((method) => [method, method[0]?.toUpperCase() + method.slice(1)]);
}

function responsesOf(endpoint: Endpoint, method: Method): Record<string, ResponseConfig> {
  const success = Object.entries(endpoint.responses).map(([status, response]): [string, ResponseConfig] => [
    status,
    "schema" in response
      ? { description: response.description, content: { "application/json": { schema: response.schema } } }
      : response,
  ]);
  const jsonOnly = endpoint.access === "admin" || endpoint.access === "operator";
  const all = [...success, ...Object.entries(errorResponses(endpointErrors(endpoint), jsonOnly))];
  // HEAD answers carry the GET's status and headers without its body.
  return Object.fromEntries(
    method === "head" ? all.map(([status, { content: _content, ...rest }]) => [status, rest]) : all,
  );
}

function documentedBody(body: BodySpec | undefined): NonNullable<RouteConfig["request"]>["body"] | undefined {
  if (body === undefined || body === "none") return undefined;
  // A body whose every field is optional may be left out (readJson reads none as `{}`).
  if (body instanceof z.ZodType)
    return { required: !body.safeParse({}).success, content: { "application/json": { schema: body } } };
  return { required: true, description: body.description, content: body.stream };
}
