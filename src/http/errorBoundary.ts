import type { Env } from "../env.ts";
import { pageStoreFor } from "../pages/pageStore.ts";
import { HttpError } from "./HttpError.ts";
import { redactedPath } from "./redactedPath.ts";
import { renderError, wantsErrorPage } from "./renderError.ts";

/**
 * The router's single catch: an HttpError is answered as itself; anything else is a
 * dependency failure (R2, a Durable Object, D1) and is logged with its cause and
 * answered 503 + Retry-After without internals. The gateway never answers 500.
 * A browser gets the customer page with the store's name and links (the tenant lookup
 * is cached per isolate; it only runs for such pages).
 */
export async function errorBoundary(error: unknown, request?: Request, env?: Env): Promise<Response> {
  const headOnly = request?.method === "HEAD";
  const store = request && env && wantsErrorPage(request) ? await pageStoreFor(request, env) : null;
  if (error instanceof HttpError) return renderError(error, request, headOnly, { store });
  // The path without its tokens or access keys (a log is no place for credentials), never the query.
  console.error("unhandled error", request?.method, request ? redactedPath(new URL(request.url).pathname) : "", error);
  const unavailable = new HttpError(
    "unavailable",
    "The download service is briefly unavailable. Please try again shortly.",
    {
      "Retry-After": "5",
    },
  );
  return renderError(unavailable, request, headOnly, { store });
}
