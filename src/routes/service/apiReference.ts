import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { tenantByHost } from "../../tenants/resolveTenant.ts";
import { DOCS_HTML, DOCS_SCRIPT, DOCS_STYLE } from "./apiDocsPage.ts";

let policy: Promise<string> | undefined;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/**
 * The page may run exactly its own inline script and style (by hash) and fetch only from
 * this host: nothing from a CDN, nothing injected.
 */
function contentSecurityPolicy(): Promise<string> {
  policy ??= Promise.all([sha256(DOCS_SCRIPT), sha256(DOCS_STYLE)]).then(
    ([script, style]) =>
      `default-src 'none'; script-src ${script}; style-src ${style}; connect-src 'self'; ` +
      "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  return policy;
}

/**
 * `GET /docs`: the human-readable API reference, rendered from `/openapi.json`. On a
 * store's host whose tenant has an origin, `/docs` is the store's own path (answers
 * undefined, so the origin proxy serves it, other methods too); the reference is then on
 * the gateway's own host (e.g. its workers.dev name).
 */
export const apiReference = defineEndpoint({
  method: "get",
  path: "/docs",
  access: "public",
  operationId: "apiReference",
  tags: ["Service"],
  summary: "This document as a human-readable page",
  description:
    "An HTML page that renders `/openapi.json` with its own small script (no third-party content). " +
    "On a store's host whose tenant has an origin, `/docs` belongs to the store and is proxied.",
  anyQuery: true,
  fallThrough: true,
  refuseOtherMethods: false,
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
  errors: [],
  async handle({ request, env }) {
    const tenant = await tenantByHost(env, new URL(request.url).host);
    if (tenant?.originUrl) return undefined;
    return new Response(DOCS_HTML, {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": await contentSecurityPolicy(),
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
      },
    });
  },
});
