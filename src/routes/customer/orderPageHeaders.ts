import { defineEndpoint } from "../../http/endpoint.ts";
import { accessKeyParams, ORDER_PAGE_DESCRIPTION, ORDER_PAGE_SUMMARY } from "./orderPage.ts";
import { serveOrderPage } from "./serveOrderPage.ts";

/** `HEAD /o/<access key>`: the page's status and headers (a link checker's request). */
export const orderPageHeaders = defineEndpoint({
  method: "head",
  path: "/o/:accessKey",
  access: "public",
  operationId: "orderPageHeaders",
  tags: ["Listings"],
  summary: ORDER_PAGE_SUMMARY,
  description: ORDER_PAGE_DESCRIPTION,
  params: accessKeyParams,
  rawParams: true,
  anyQuery: true,
  responses: { 200: { description: "The page's headers" } },
  errors: [],
  handle: ({ request, env, params, pathTenant }) => serveOrderPage(request, env, params.accessKey, pathTenant),
});
