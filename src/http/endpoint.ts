import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { IRequest, RouterType } from "itty-router";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { errorSchema } from "./errorSchema.ts";
import { ERROR_STATUS, HttpError, type ErrorCode } from "./HttpError.ts";
import { methodNotAllowed } from "./methodNotAllowed.ts";
import { noBodySchema, noQuerySchema, parseInput, readJson, readQuery } from "./readJson.ts";

/**
 * One endpoint, declared once: method, path, the strict schemas of its input, its answers
 * and error codes, and its handler. The router (`mountEndpoints`) and `/openapi.json`
 * (`documentEndpoints`) are both built from the same declarations, so the two cannot
 * drift, and a handler receives its input already decoded and validated.
 *
 * Shaped like `@hono/zod-openapi`'s `createRoute` + `app.openapi` and chanfana's
 * `OpenAPIRoute`, on the router the gateway already uses (itty-router), keeping the
 * streaming body cap (`readJson`) and the error contract (`HttpError`, docs/CONTRACT.md §7).
 */

export type Method = "get" | "head" | "post" | "put" | "patch" | "delete";

/**
 * Who may call it. `admin`: a tenant's admin key (the handler gets its `tenant`);
 * `operator`: the deployment's OPERATOR_SECRET; `public`: anyone (customer routes decide
 * for themselves, per link or listing, docs/CONTRACT.md §8).
 */
export type Access = "admin" | "operator" | "public";

/** What the body is: a strict JSON schema, none at all (`{}` or empty), or a stream the handler reads (uploads). */
export type BodySpec = z.ZodType | "none" | { stream: NonNullable<ResponseConfig["content"]>; description: string };

type ParamsOf<P> = P extends z.ZodType ? z.infer<P> : Record<string, never>;
type QueryOf<Q> = Q extends z.ZodType ? z.infer<Q> : Record<string, never>;
type BodyOf<B> = B extends z.ZodType ? z.infer<B> : undefined;

export interface EndpointInput<P, Q, B, A extends Access> {
  request: IRequest;
  env: Env;
  ctx: ExecutionContext;
  params: ParamsOf<P>;
  query: QueryOf<Q>;
  body: BodyOf<B>;
  /** The admin key's tenant (admin endpoints only). */
  tenant: A extends "admin" ? Tenant : undefined;
  /** For public endpoints mounted under `/api/:tenant` too: the tenant named in the path, else undefined. */
  pathTenant: string | undefined;
}

export interface Endpoint<
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends BodySpec = BodySpec,
  A extends Access = Access,
> {
  method: Method;
  /** itty-router pattern relative to the group's base, e.g. `/links/:id`. */
  path: string;
  access: A;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Path parameters, percent-decoded, then validated (a bad one is 400 `bad_request` naming it). */
  params?: P;
  /** What `details` call a bad path parameter where the API's word differs from the path's (`fileId` → `file_id`). */
  paramNames?: Record<string, string>;
  /** The query string; absent means none is accepted (a misspelt option is refused, never ignored). */
  query?: Q;
  /** The body; absent means the endpoint reads none (GET, DELETE, uploads declare `stream`). */
  body?: B;
  /** Documents request headers that change the answer (Range, conditionals, Sec-Purpose). */
  headers?: z.ZodObject;
  /** Success answers by status: a JSON schema, or a full OpenAPI response (headers, other media types). */
  responses: Record<number, ResponseConfig | { description: string; schema: z.ZodType }>;
  /** Error codes it answers with beyond those its access, params, query and body imply. */
  errors: ErrorCode[];
  /** Overrides the security the access level implies (e.g. a customer token that is optional). */
  security?: RouteConfig["security"];
  handle(input: EndpointInput<P, Q, B, A>): Promise<Response> | Response;
}

/** Declares an endpoint, inferring the handler's input types from its schemas. */
export function defineEndpoint<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends BodySpec = "none",
  A extends Access = Access,
>(endpoint: Endpoint<P, Q, B, A>): Endpoint {
  return endpoint as unknown as Endpoint;
}

/** A request an admin group's gate let through carries its tenant (src/routes/admin/adminRouter.ts). */
export type AdminRequest = IRequest & { tenant: Tenant };

/** Path parameters, percent-decoded; malformed encoding is the caller's mistake (400), not an outage. */
export function decodedParams(request: IRequest): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(request.params ?? {})) {
    try {
      decoded[name] = decodeURIComponent(raw);
    } catch {
      throw new HttpError("bad_request", `The ${name} in the path is not valid percent-encoding.`, {}, [
        { path: name, message: "bad percent-encoding" },
      ]);
    }
  }
  return decoded;
}

type Args = [Env, ExecutionContext];

/**
 * Validates a request against its endpoint's declaration, in the order a client fixes its
 * mistakes: path, then query, then body; then runs the handler with typed input.
 */
async function run(endpoint: Endpoint, request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const raw = decodedParams(request);
  const { tenant: pathTenant, ...own } = raw;
  const params = endpoint.params ? parseParams(endpoint.params, own, endpoint.paramNames) : {};
  const query = readQuery(request, endpoint.query ?? noQuerySchema);
  let body: unknown = undefined;
  if (endpoint.body === "none") await readJson(request, noBodySchema);
  else if (endpoint.body instanceof z.ZodType) body = await readJson(request, endpoint.body);
  const input = {
    request,
    env,
    ctx,
    params,
    query,
    body,
    tenant: endpoint.access === "admin" ? (request as AdminRequest).tenant : undefined,
    pathTenant,
  };
  return endpoint.handle(input as Parameters<Endpoint["handle"]>[0]);
}

/** Validates path parameters, naming a bad one in `details` by its word in `names` where it has one. */
function parseParams(schema: z.ZodObject, raw: Record<string, string>, names?: Record<string, string>) {
  if (!names) return parseInput(schema, raw);
  const renamed = <T>(record: Record<string, T>, to: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [to[key] ?? key, value]));
  const back = Object.fromEntries(Object.entries(names).map(([path, word]) => [word, path]));
  return renamed(parseInput(z.strictObject(renamed(schema.shape, names)), renamed(raw, names)), back);
}

export interface MountOptions {
  /** Also mount each path under `/api/:tenant` (docs/CONTRACT.md §4: the tenant in the path). */
  tenantPrefix?: boolean;
  /** Refuse other methods on these paths with 405 instead of letting them reach the origin. */
  refuseOtherMethods?: boolean;
}

/** Registers each endpoint on an itty router (in order), and optionally the 405 catch-alls of its paths. */
export function mountEndpoints(
  router: RouterType<IRequest, Args>,
  endpoints: readonly Endpoint[],
  options: MountOptions = {},
): void {
  const prefixes = options.tenantPrefix ? ["", "/api/:tenant"] : [""];
  for (const prefix of prefixes) {
    for (const endpoint of endpoints) {
      router[endpoint.method](`${prefix}${endpoint.path}`, (request: IRequest, env: Env, ctx: ExecutionContext) =>
        run(endpoint, request, env, ctx),
      );
    }
    if (!options.refuseOtherMethods) continue;
    for (const [path, methods] of methodsByPath(endpoints)) {
      router.all(`${prefix}${path}`, methodNotAllowed(methods.map((m) => m.toUpperCase())));
    }
  }
}

function methodsByPath(endpoints: readonly Endpoint[]): Map<string, Method[]> {
  const byPath = new Map<string, Method[]>();
  for (const { path, method } of endpoints) byPath.set(path, [...(byPath.get(path) ?? []), method]);
  return byPath;
}

// --- The OpenAPI side -------------------------------------------------------------------

/** Error answers (docs/CONTRACT.md §7) grouped by status; each status lists its codes. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, ResponseConfig> {
  const content = {
    "application/json": { schema: errorSchema },
    "text/html": { schema: z.string().meta({ description: "A small HTML page, when `Accept` prefers text/html" }) },
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
};

const ACCESS_ERRORS: Record<Access, ErrorCode[]> = {
  admin: ["auth_required"],
  operator: ["auth_required", "forbidden"],
  public: [],
};

/** The error codes an endpoint can answer with: its own plus those its declaration implies. */
export function endpointErrors(endpoint: Endpoint): ErrorCode[] {
  const implied: ErrorCode[] = [...ACCESS_ERRORS[endpoint.access]];
  if (endpoint.params || endpoint.query || endpoint.body === "none") implied.push("bad_request");
  if (endpoint.body instanceof z.ZodType) implied.push("bad_request", "payload_too_large");
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
    for (const form of forms) {
      const params = form.tenant
        ? z.object({ tenant: form.tenant.tenantParam, ...(endpoint.params?.shape ?? {}) })
        : endpoint.params;
      const body = documentedBody(endpoint.body);
      const security = endpoint.security ?? SECURITY[endpoint.access];
      registry.registerPath({
        method: endpoint.method,
        path: `${options.base ?? ""}${form.prefix}${openApiPath(endpoint.path)}`,
        operationId: `${endpoint.operationId}${form.suffix}`,
        tags: form.tag ? [...endpoint.tags, form.tag] : endpoint.tags,
        summary: endpoint.summary,
        ...(endpoint.description ? { description: endpoint.description } : {}),
        ...(security ? { security } : {}),
        request: {
          ...(params ? { params } : {}),
          ...(endpoint.query ? { query: endpoint.query } : {}),
          ...(endpoint.headers ? { headers: endpoint.headers } : {}),
          ...(body ? { body } : {}),
        },
        responses: responsesOf(endpoint),
      });
    }
  }
}

function responsesOf(endpoint: Endpoint): Record<string, ResponseConfig> {
  const success = Object.entries(endpoint.responses).map(([status, response]): [string, ResponseConfig] => [
    status,
    "schema" in response
      ? { description: response.description, content: { "application/json": { schema: response.schema } } }
      : response,
  ]);
  const all = [...success, ...Object.entries(errorResponses(endpointErrors(endpoint)))];
  // HEAD answers carry the GET's status and headers without its body.
  return Object.fromEntries(
    endpoint.method === "head" ? all.map(([status, { content: _content, ...rest }]) => [status, rest]) : all,
  );
}

function documentedBody(body: BodySpec | undefined): NonNullable<RouteConfig["request"]>["body"] | undefined {
  if (body === undefined || body === "none") return undefined;
  if (body instanceof z.ZodType) return { required: true, content: { "application/json": { schema: body } } };
  return { required: true, description: body.description, content: body.stream };
}
