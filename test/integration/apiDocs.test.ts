/**
 * `/docs`: the API reference as a page, rendered from `/openapi.json` by the gateway's own
 * inline script — nothing loaded from another host, and a CSP that allows nothing else.
 * (test/e2e/cors.e2e.test.ts renders it in Chromium.)
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { createTenant, gatewayRaw } from "../helpers/fixtures.ts";
import { mockOrigin } from "../helpers/profiles.ts";

afterEach(() => vi.restoreAllMocks());

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

describe("GET /docs", () => {
  it("answers an HTML page that references no other host and runs only its own script", async () => {
    const response = await gatewayRaw("https://gateway.example/docs", { headers: { Accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('fetch("/openapi.json"');
    // No absolute URL at all, no external script, stylesheet, font or image.
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(/i);

    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? "";
    expect(script.length).toBeGreaterThan(1000);
    expect(csp).toContain(`script-src ${await sha256(script)}`);
    expect(csp).toContain(`style-src ${await sha256(style)}`);
  });

  it("is listed in /openapi.json", async () => {
    const doc = await (
      await gatewayRaw("https://gateway.example/openapi.json")
    ).json<{ paths: Record<string, unknown> }>();
    expect(doc.paths["/docs"]).toBeDefined();
  });

  it("is served on a tenant's host without an origin", async () => {
    const tenant = await createTenant();
    const response = await gatewayRaw(`https://${tenant.host}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("API reference");
  });

  it("leaves /docs to the store on a host whose tenant has an origin", async () => {
    const tenant = await createTenant();
    await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
      .bind("https://origin.example", tenant.id)
      .run();
    forgetTenant();
    const asked = mockOrigin(() => new Response("the store's own docs", { headers: { "Content-Type": "text/plain" } }));
    const response = await gatewayRaw(`https://${tenant.host}/docs`);
    expect(await response.text()).toBe("the store's own docs");
    expect(asked).toEqual(["https://origin.example/docs"]);
  });
});
