import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { serveOrderPage } from "./serveOrderPage.ts";

/** The access key as sent (endpoint `rawParams`): it is the page's credential. */
export const accessKeyParams = z.object({ accessKey: z.string() });

export const ORDER_PAGE_SUMMARY =
  "The order's hosted downloads page (HTML; no login, the access key is the credential)";
export const ORDER_PAGE_DESCRIPTION =
  "Each file with size, downloads left, expiry and a freshly signed Download button. Rate limited per " +
  "client address like the seed-002 lookup. Errors are HTML pages too: 404 for an unknown key, 429 with " +
  "Retry-After.";

/** `GET /o/<access key>`: the order's hosted downloads page (serveOrderPage.ts). */
export const orderPage = defineEndpoint({
  method: "get",
  path: "/o/:accessKey",
  access: "public",
  operationId: "orderPage",
  tags: ["Listings"],
  summary: ORDER_PAGE_SUMMARY,
  description: ORDER_PAGE_DESCRIPTION,
  params: accessKeyParams,
  rawParams: true,
  anyQuery: true,
  responses: { 200: { description: "The page", content: { "text/html": { schema: z.string() } } } },
  errors: [],
  handle: ({ request, env, params, pathTenant }) => serveOrderPage(request, env, params.accessKey, pathTenant),
});
