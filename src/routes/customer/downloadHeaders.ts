import { defineEndpoint } from "../../http/endpoint.ts";
import { serveDownload } from "../download.ts";
import {
  downloadErrors,
  downloadHeaders as requestHeaders,
  fileResponses,
  optionalCustomer,
  tokenParams,
} from "./customerSchemas.ts";

/** `HEAD /downloads/:token`: the GET's status and headers, no body, never counted (docs/CONTRACT.md §6). */
export const downloadHeaders = defineEndpoint({
  method: "head",
  path: "/downloads/:token",
  access: "public",
  operationId: "downloadHeaders",
  tags: ["Downloads"],
  summary: "The download's headers; never counted",
  security: optionalCustomer,
  params: tokenParams,
  rawParams: true,
  anyQuery: true,
  headers: requestHeaders,
  responses: fileResponses,
  errors: [...downloadErrors],
  handle: ({ request, env, ctx, params, pathTenant }) =>
    serveDownload({ request, env, ctx, token: params.token, pathTenant }),
});
