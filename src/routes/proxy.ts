import type { Env } from "../env.ts";
import { fetchWithDeadlines, OriginTimeoutError } from "../http/fetchWithDeadlines.ts";
import { HttpError } from "../http/HttpError.ts";
import { withKnownLength } from "../http/withKnownLength.ts";
import { tenantByHost } from "../tenants/resolveTenant.ts";

/** RFC 9110 §7.6.1: connection-specific fields never cross a proxy. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

function withoutHopByHop(source: Headers): Headers {
  const headers = new Headers(source);
  const named = (source.get("Connection") ?? "").split(",").map((h) => h.trim().toLowerCase());
  for (const name of [...HOP_BY_HOP, ...named]) if (name) headers.delete(name);
  return headers;
}

/**
 * Refuses paths whose meaning depends on who decodes them (`%2F`, `%5C`, encoded dots,
 * `//`), so the gateway and the origin can never disagree about which resource a
 * request names. The URL parser has already resolved literal `..` segments.
 */
export function refuseNonCanonicalPath(request: Request): void {
  const path = new URL(request.url).pathname;
  if (/%2f|%5c|%2e|\/\/|\\/i.test(path)) {
    throw new HttpError("bad_request", "The request path is not in canonical form.", {}, [
      { path: "path", message: "encoded slash, backslash, dot or empty segment" },
    ]);
  }
}

/**
 * Anything no gateway route matched goes to the tenant's origin unchanged, so dlgate can
 * sit on a storefront's whole domain: method, path, query, headers and the body stream
 * both ways, redirects passed through as they are, X-Forwarded-* added.
 */
export async function proxyToOrigin(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const tenant = await tenantByHost(env, url.host);
  if (!tenant?.originUrl) throw new HttpError("not_found", "There is nothing at this address.");

  const origin = new URL(tenant.originUrl);
  const target = new URL(url.pathname + url.search, origin);
  const headers = withoutHopByHop(request.headers);
  const client = request.headers.get("CF-Connecting-IP");
  const forwardedFor = [request.headers.get("X-Forwarded-For"), client].filter(Boolean).join(", ");
  if (forwardedFor) headers.set("X-Forwarded-For", forwardedFor);
  headers.set("X-Forwarded-Proto", url.protocol.replace(":", ""));
  headers.set("X-Forwarded-Host", url.host);
  headers.delete("Host");

  // The tenant's deadlines (docs/CONTRACT.md §7): an origin that accepts and never answers is
  // 504 origin_timeout instead of a request hanging for minutes; one that stops sending
  // halfway has its stream aborted, so the client sees a failed transfer, not a hang.
  let response: Response;
  try {
    ({ response } = await fetchWithDeadlines(
      target,
      {
        method: request.method,
        headers,
        body: request.method === "GET" || request.method === "HEAD" ? null : request.body,
        redirect: "manual",
      },
      {
        headersMs: tenant.settings.origin_timeout_seconds * 1000,
        stallMs: tenant.settings.origin_stall_seconds * 1000,
      },
    ));
  } catch (error) {
    if (error instanceof OriginTimeoutError) {
      console.warn(`origin ${origin.host} did not answer in time`);
      throw new HttpError("origin_timeout", "The store did not answer in time. Please try again shortly.");
    }
    console.warn(`origin ${origin.host} unreachable`, error);
    throw new HttpError("origin_error", "The store could not be reached. Please try again shortly.");
  }
  return new Response(response.body && withKnownLength(response.body, response.headers), {
    status: response.status,
    statusText: response.statusText,
    headers: withoutHopByHop(response.headers),
  });
}
