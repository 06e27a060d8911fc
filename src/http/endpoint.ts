import type { ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { IRequest, RouterType } from "itty-router";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { tenantByHost } from "../tenants/resolveTenant.ts";
import type { ProfileName } from "../tenants/tenantSettings.ts";
import { withoutBody } from "./bodiless.ts";
import { HttpError, type ErrorCode } from "./HttpError.ts";
import { methodNotAllowed } from "./methodNotAllowed.ts";
import { noBodySchema, noQuerySchema, parseInput, readJson, readQuery } from "./readJson.ts";

/**
 * One endpoint, declared once: method, path, the strict schemas of its input, its answers
 * and error codes, and its handler. The router (`mountEndpoints`) and `/openapi.json`
 * (`documentEndpoints`) are both built from the same declarations, so the two cannot
 * drift, and a handler receives its input already decoded and validated. The OpenAPI side
 * is http/documentEndpoints.ts.
 *
 * Shaped like `@hono/zod-openapi`'s `createRoute` + `app.openapi` and chanfana's
 * `OpenAPIRoute`, on the router the gateway already uses (itty-router), keeping the
 * streaming body cap (`readJson`) and the error contract (`HttpError`, docs/CONTRACT.md §7).
 */

export type Method = "get" | "head" | "post" | "put" | "patch" | "delete";

/**
 * Who may call it. `admin`: a tenant's admin key (the handler gets its `tenant`);
 * `operator`: the deployment's OPERATOR_SECRET; `public`: anyone (customer routes decide
 * for themselves, per link or listing, docs/CONTRACT.md §8); `profile`: anyone, on a Host
 * whose tenant enabled the endpoint's compatibility `profile` (the handler gets that
 * `tenant`). Elsewhere a profile endpoint does not exist: its path is the store's own, so
 * the request goes on to the next route, in the end the origin (docs/PROFILES.md).
 */
export type Access = "admin" | "operator" | "public" | "profile";

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
  /** The admin key's tenant (admin endpoints), or the Host's tenant that enabled the profile (profile endpoints). */
  tenant: A extends "admin" | "profile" ? Tenant : undefined;
  /** For public endpoints mounted under `/api/:tenant` too: the tenant named in the path, else undefined. */
  pathTenant: string | undefined;
}

export interface Endpoint<
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends BodySpec = BodySpec,
  A extends Access = Access,
> {
  /** `all`: every method the endpoints declared before it on the same path do not take (a profile's 405). */
  method: Method | "all";
  /** itty-router pattern relative to the group's base, e.g. `/links/:id`. */
  path: string;
  access: A;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Path parameters, percent-decoded, then validated (a bad one is 400 `bad_request` naming it). */
  params?: P;
  /**
   * Hand the path parameters over as matched, not decoded: a download token or an access key
   * is a credential compared as sent, so a stray `%` in one is that credential's failure
   * (401/404), never a 400, and an encoded form of a valid token is no second spelling of it.
   */
  rawParams?: true;
  /** What `details` call a bad path parameter where the API's word differs from the path's (`fileId` → `file_id`). */
  paramNames?: Record<string, string>;
  /** The query string; absent means none is accepted (a misspelt option is refused, never ignored). */
  query?: Q;
  /**
   * The query string is not the endpoint's: neither read nor validated. For URLs that leave
   * the gateway (download links in e-mails, order pages), which mail clients, trackers and
   * storefront scripts append to (`utm_*`, `_=`); their answer never depends on it.
   */
  anyQuery?: true;
  /**
   * With `anyQuery`: the parameters a compatibility profile reads itself, as the seed's system
   * reads them (unknown ones ignored, a repeated one taken first). Only documented in
   * `/openapi.json`, never validated: the handler gets no `query` from it and reads the URL.
   */
  lenientQuery?: z.ZodObject;
  /** The body; absent only on GET (other methods declare `"none"` to refuse one; uploads declare `stream`). */
  body?: B;
  /** Documents request headers that change the answer (Range, conditionals, Sec-Purpose). */
  headers?: z.ZodObject;
  /**
   * Success answers by status: a JSON schema, or a full OpenAPI response (headers, other media
   * types). `default`: an answer that is not the gateway's own (a profile path whose request
   * goes on to the store's origin where the tenant has not enabled the profile).
   */
  responses: Record<number, ResponseConfig | { description: string; schema: z.ZodType }> & {
    default?: ResponseConfig;
  };
  /** Error codes it answers with beyond those its access, params, query and body imply. */
  errors: ErrorCode[];
  /** Overrides the security the access level implies (e.g. a customer token that is optional). */
  security?: RouteConfig["security"];
  /** For `access: "profile"`: the compatibility profile a tenant enables to get this endpoint. */
  profile?: ProfileName;
  /**
   * `handle` may answer undefined: the path is shared with the store's origin (`/docs` on a
   * store's host), so the request goes on to the next route, in the end the origin proxy.
   */
  fallThrough?: true;
  /** `false`: other methods on this path go on to the next route even where the mount refuses them with 405. */
  refuseOtherMethods?: false;
  /** Left out of `/openapi.json` (routes that exist only in the bench's own deployment). */
  undocumented?: true;
  handle(input: EndpointInput<P, Q, B, A>): Promise<Response | undefined> | Response | undefined;
}

/** Declares an endpoint, inferring the handler's input types from its schemas. */
export function defineEndpoint<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends BodySpec = "none",
  A extends Access = Access,
>(endpoint: Endpoint<P, Q, B, A>): Endpoint {
  // A method that can carry a body says what it takes: a body sent where none is read must be
  // refused (`body: "none"`), never ignored while the action goes ahead.
  if (!["get", "head", "all"].includes(endpoint.method) && endpoint.body === undefined)
    throw new Error(
      `${endpoint.operationId}: a ${endpoint.method} endpoint declares its body ("none" if it takes none)`,
    );
  if (endpoint.lenientQuery && !endpoint.anyQuery)
    throw new Error(`${endpoint.operationId}: a lenient query is for an endpoint that reads its own (anyQuery)`);
  return endpoint as unknown as Endpoint;
}

/**
 * The list with a HEAD twin for each GET that has none: the GET's status and headers without
 * its body (RFC 9110 §9.3.2), so `curl -I` on a read endpoint answers like a GET instead of
 * 405. Only for lists whose GETs are safe, as a GET should be; a GET that does something (a
 * profile's download counts) declares its own HEAD instead (`/downloads/:token`), and the
 * profiles' list is not passed here. The router and `/openapi.json` take the same list.
 */
export function withHeadForGets(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  const headPaths = new Set(endpoints.filter((e) => e.method === "head").map((e) => e.path));
  return endpoints.flatMap((endpoint): Endpoint[] => {
    if (endpoint.method !== "get" || headPaths.has(endpoint.path)) return [endpoint];
    const twin: Endpoint = {
      ...endpoint,
      method: "head",
      operationId: `${endpoint.operationId}Headers`,
      summary: `${endpoint.summary} (headers only)`,
      handle: async (input) => {
        const response = await endpoint.handle(input);
        return response && withoutBody(response);
      },
    };
    return [endpoint, twin];
  });
}

/** A request an admin group's gate let through carries its tenant (src/routes/admin/adminRouter.ts). */
export type AdminRequest = IRequest & { tenant: Tenant };

/** One path segment percent-decoded, or null when its encoding is malformed. */
export function decodeParam(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Path parameters, percent-decoded; malformed encoding is the caller's mistake (400), not an outage. */
export function decodedParams(request: IRequest): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(request.params ?? {})) {
    const value = decodeParam(raw);
    if (value === null) {
      throw new HttpError("bad_request", `The ${name} in the path is not valid percent-encoding.`, {}, [
        { path: name, message: "bad percent-encoding" },
      ]);
    }
    decoded[name] = value;
  }
  return decoded;
}

/** The Host's tenant when it enabled `profile`, else undefined (profiles never take the tenant from the path). */
export async function tenantWithProfile(request: Request, env: Env, profile: ProfileName): Promise<Tenant | undefined> {
  const tenant = await tenantByHost(env, new URL(request.url).host);
  return tenant?.settings.profiles.includes(profile) ? tenant : undefined;
}

type Args = [Env, ExecutionContext];

/**
 * Validates a request against its endpoint's declaration, in the order a client fixes its
 * mistakes: path, then query, then body; then runs the handler with typed input.
 */
async function run(
  endpoint: Endpoint,
  request: IRequest,
  env: Env,
  ctx: ExecutionContext,
): Promise<Response | undefined> {
  let tenant: Tenant | undefined;
  if (endpoint.access === "admin") tenant = (request as AdminRequest).tenant;
  if (endpoint.access === "profile") {
    if (!endpoint.profile) throw new Error(`${endpoint.operationId}: a profile endpoint names its profile`);
    // Before anything is validated: where the profile is off, the request is the origin's, untouched.
    tenant = await tenantWithProfile(request, env, endpoint.profile);
    if (!tenant) return undefined;
  }
  const raw = endpoint.rawParams ? { ...request.params } : decodedParams(request);
  const { tenant: pathTenant, ...own } = raw;
  const params = endpoint.params ? parseParams(endpoint.params, own, endpoint.paramNames) : {};
  const query = endpoint.anyQuery ? {} : readQuery(request, endpoint.query ?? noQuerySchema);
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
    tenant,
    pathTenant,
  };
  const response = await endpoint.handle(input as Parameters<Endpoint["handle"]>[0]);
  if (response === undefined && !endpoint.fallThrough) throw new Error(`${endpoint.operationId} answered nothing`);
  return response;
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
  /**
   * Whether OPTIONS on a path goes on to the CORS handling (and `Allow` lists it), for all
   * these paths or per path; where no CORS preflight is answered (the issuer API, the
   * download itself), OPTIONS is a 405 like any other method.
   */
  corsPreflight?: boolean | ((path: string) => boolean);
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
    for (const [path, methods] of methodsByPath(endpoints.filter((e) => e.refuseOtherMethods !== false))) {
      router.all(
        `${prefix}${path}`,
        methodNotAllowed(
          methods.map((m) => m.toUpperCase()),
          typeof options.corsPreflight === "function" ? options.corsPreflight(path) : (options.corsPreflight ?? true),
        ),
      );
    }
  }
}

/** The methods each path's endpoints take (an `all` endpoint takes none of its own). */
export function methodsByPath(endpoints: readonly Endpoint[]): Map<string, Method[]> {
  const byPath = new Map<string, Method[]>();
  for (const { path, method } of endpoints) {
    if (method !== "all") byPath.set(path, [...(byPath.get(path) ?? []), method]);
  }
  return byPath;
}
