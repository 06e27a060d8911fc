import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { serveOrderPage } from "./serveOrderPage.ts";

/** `GET|HEAD /o/<access key>`: one declaration; the access key is taken as sent (`rawParams`), it is the credential. */
export const orderPageEndpoint = (method: "get" | "head", operationId: string, page: string) =>
  defineEndpoint({
    method,
    path: "/o/:accessKey",
    access: "public",
    operationId,
    tags: ["Listings"],
    summary: "The order's hosted downloads page (HTML; no login, the access key is the credential)",
    description:
      "Each file with size, downloads left, expiry and a freshly signed Download button. Rate limited per " +
      "client address like the seed-002 lookup. Errors are HTML pages too: 404 for an unknown key, 429 with " +
      "Retry-After.",
    params: z.object({ accessKey: z.string() }),
    rawParams: true,
    anyQuery: true,
    responses: {
      200:
        method === "get"
          ? { description: page, content: { "text/html": { schema: z.string() } } }
          : { description: page },
    },
    errors: ["not_found", "rate_limited"],
    handle: ({ request, env, params, pathTenant }) => serveOrderPage(request, env, params.accessKey, pathTenant),
  });

/** `GET /o/<access key>`: the order's hosted downloads page (serveOrderPage.ts). */
export const orderPage = orderPageEndpoint("get", "orderPage", "The page");
