import { HttpError } from "./HttpError.ts";
import { renderError } from "./renderError.ts";

/**
 * The router's single catch: an HttpError is answered as itself; anything else is a
 * dependency failure (R2, a Durable Object, D1) and is logged with its cause and
 * answered 503 + Retry-After without internals. The gateway never answers 500.
 */
export function errorBoundary(error: unknown, request?: Request): Response {
  const headOnly = request?.method === "HEAD";
  if (error instanceof HttpError) return renderError(error, request, headOnly);
  console.error("unhandled error", request?.method, request ? new URL(request.url).pathname : "", error);
  const unavailable = new HttpError(
    "unavailable",
    "The download service is briefly unavailable. Please try again shortly.",
    {
      "Retry-After": "5",
    },
  );
  return renderError(unavailable, request, headOnly);
}
