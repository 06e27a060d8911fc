import { defineEndpoint } from "../../http/endpoint.ts";
import { serveDownloadInfo } from "../downloadInfo.ts";
import { downloadInfoSchema } from "../schemas.ts";
import { optionalCustomer, tokenParams } from "./customerSchemas.ts";

/** `GET /downloads/:token/info`: the link's state without downloading (src/routes/downloadInfo.ts). */
export const downloadInfo = defineEndpoint({
  method: "get",
  path: "/downloads/:token/info",
  access: "public",
  operationId: "downloadInfo",
  tags: ["Downloads"],
  summary: "Link state without downloading",
  security: optionalCustomer,
  params: tokenParams,
  rawParams: true,
  anyQuery: true,
  responses: {
    200: {
      description: "Link state, also for expired, exhausted or revoked links; never counts",
      schema: downloadInfoSchema,
    },
  },
  errors: [
    "auth_required",
    "invalid_token",
    "ip_not_allowed",
    "country_not_allowed",
    "forbidden",
    "not_found",
    "origin_error",
    "origin_timeout",
    "unavailable",
  ],
  handle: ({ request, env, params, pathTenant }) => serveDownloadInfo(request, env, params.token, pathTenant),
});
