import { defineEndpoint } from "../../http/endpoint.ts";
import { serveDownload } from "../download.ts";
import { downloadErrors, downloadHeaders, fileResponses, optionalCustomer, tokenParams } from "./customerSchemas.ts";

export const download = defineEndpoint({
  method: "get",
  path: "/downloads/:token",
  access: "public",
  operationId: "download",
  tags: ["Downloads"],
  summary: "Download the file",
  security: optionalCustomer,
  params: tokenParams,
  rawParams: true,
  anyQuery: true,
  headers: downloadHeaders,
  responses: fileResponses,
  errors: [...downloadErrors],
  handle: ({ request, env, ctx, params, pathTenant }) =>
    serveDownload({ request, env, ctx, token: params.token, pathTenant }),
});
