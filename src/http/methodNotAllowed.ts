import type { IRequest } from "itty-router";
import { HttpError } from "./HttpError.ts";

/**
 * A catch-all for one of the gateway's own paths, registered after the methods it serves:
 * any other method is `405 method_not_allowed` with `Allow` (RFC 9110 §15.5.6), instead of
 * reaching the storefront's origin, which would answer for a path it does not own (a
 * `POST /downloads/…` there might be a route of its own, or leak what its 404 page says).
 * OPTIONS goes on where a CORS preflight is answered by the gateway's CORS handling
 * (`corsPreflight`); elsewhere it is refused like any other method and `Allow` omits it.
 */
export function methodNotAllowed(allow: readonly string[], corsPreflight = true): (request: IRequest) => undefined {
  const header = (corsPreflight ? [...allow, "OPTIONS"] : allow).join(", ");
  return (request) => {
    if (corsPreflight && request.method === "OPTIONS") return undefined;
    throw new HttpError("method_not_allowed", `This address answers ${allow.join(" and ")} only.`, { Allow: header });
  };
}
