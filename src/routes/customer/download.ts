import { defineEndpoint } from "../../http/endpoint.ts";
import { serveDownload } from "../download.ts";
import { downloadErrors, downloadHeaders, fileResponses, optionalCustomer, tokenParams } from "./customerSchemas.ts";

/** `GET|HEAD /downloads/:token`: one declaration, as HEAD answers what GET would, without the body. */
export const downloadEndpoint = (method: "get" | "head", operationId: string, summary: string) =>
  defineEndpoint({
    method,
    path: "/downloads/:token",
    access: "public",
    operationId,
    tags: ["Downloads"],
    summary,
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

/** `GET /downloads/:token`: verify → plan → count → stream (src/routes/download.ts). */
export const download = downloadEndpoint("get", "download", "Download the file");
