import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetTenant } from "../../../src/tenants/resolveTenant.ts";
import { bytesOf, createTenant, fileBytes, gateway, type TestTenant } from "../../helpers/fixtures.ts";

/** A tenant whose storefront lives at https://origin.example; the Worker's outbound fetches are answered by `handler`. */
async function tenantWithOrigin(
  handler: (request: Request, body: string) => Response | Promise<Response>,
): Promise<{ tenant: TestTenant; seen: { request: Request; body: string }[] }> {
  const tenant = await createTenant();
  await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
    .bind("https://origin.example", tenant.id)
    .run();
  forgetTenant(tenant.id);
  // Bodies are read here, inside the Worker's request, because workerd does not let a
  // stream cross into the test's own context afterwards.
  const seen: { request: Request; body: string }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? await request.text() : "";
    seen.push({ request: new Request(request.url, { method: request.method, headers: request.headers }), body });
    return handler(request, body);
  });
  return { tenant, seen };
}

afterEach(() => vi.restoreAllMocks());

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

describe("reverse proxy to the tenant's origin", () => {
  it("forwards a GET with its path, query and headers, adds X-Forwarded-*, and drops hop-by-hop headers", async () => {
    const { tenant, seen } = await tenantWithOrigin(
      () =>
        new Response("<h1>shop</h1>", {
          headers: { "Content-Type": "text/html", "X-Shop": "1", "Keep-Alive": "timeout=5" },
        }),
    );
    const res = await gateway(tenant, "/products/ebook?ref=mail", {
      headers: {
        Cookie: "session=abc",
        Connection: "X-Secret",
        "X-Secret": "drop me",
        "X-Forwarded-For": "198.51.100.1",
      },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<h1>shop</h1>");
    expect(res.headers.get("X-Shop")).toBe("1");
    expect(res.headers.get("Keep-Alive")).toBeNull();
    expect(seen).toHaveLength(1);
    const sent = (seen[0] as { request: Request }).request;
    expect(sent.url).toBe("https://origin.example/products/ebook?ref=mail");
    expect(sent.method).toBe("GET");
    expect(sent.headers.get("Cookie")).toBe("session=abc");
    expect(sent.headers.get("X-Secret")).toBeNull();
    expect(sent.headers.get("X-Forwarded-For")).toBe("198.51.100.1, 203.0.113.10");
    expect(sent.headers.get("X-Forwarded-Proto")).toBe("https");
    expect(sent.headers.get("X-Forwarded-Host")).toBe(tenant.host);
  });

  it("streams a POST body to the origin and the origin's status back", async () => {
    const { tenant, seen } = await tenantWithOrigin(
      (_request, body) => new Response(`got ${body.length}`, { status: 201 }),
    );
    const res = await gateway(tenant, "/cart", {
      method: "POST",
      body: "item=42&qty=1",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("got 13");
    expect(seen[0]?.request.method).toBe("POST");
    expect(seen[0]?.body).toBe("item=42&qty=1");
  });

  it("passes redirects through instead of following them", async () => {
    const { tenant } = await tenantWithOrigin(
      () => new Response(null, { status: 302, headers: { Location: "/login" } }),
    );
    const res = await gateway(tenant, "/account", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login");
  });

  it("streams a large origin response unchanged", async () => {
    const big = fileBytes(8 * 1024 * 1024, 3);
    const { tenant } = await tenantWithOrigin(
      () => new Response(big, { headers: { "Content-Type": "application/octet-stream" } }),
    );
    const res = await gateway(tenant, "/big.bin");
    expect(res.status).toBe(200);
    // Compared by digest: a deep equality over 8 MiB is slower than the proxy itself.
    expect(await sha256(await bytesOf(res))).toBe(await sha256(big));
  });

  it("answers 502 origin_error when the origin cannot be reached, as HTML for browsers", async () => {
    const { tenant } = await tenantWithOrigin(() => {
      throw new TypeError("connection refused");
    });
    const json = await gateway(tenant, "/anything");
    expect(json.status).toBe(502);
    expect(await json.json()).toMatchObject({ error: "origin_error" });
    const html = await gateway(tenant, "/anything", {
      headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(html.status).toBe(502);
    expect(html.headers.get("Content-Type")).toContain("text/html");
  });

  it("proxies /api/<another store's id>/… on a store's host: another store's id never takes its paths", async () => {
    const other = await createTenant();
    const { tenant, seen } = await tenantWithOrigin(
      (request) => new Response(`origin: ${new URL(request.url).pathname}`),
    );
    for (const [method, path] of [
      ["GET", `/api/${other.id}/downloads/abc`],
      ["GET", `/api/${other.id}/downloads/abc/info`],
      ["GET", `/api/${other.id}/my/downloads`],
      ["GET", `/api/${other.id}/o/some-key`],
      ["POST", `/api/${other.id}/downloads/abc`],
    ] as const) {
      const res = await gateway(tenant, path, { method });
      expect({ path, method, status: res.status, text: await res.text() }).toEqual({
        path,
        method,
        status: 200,
        text: `origin: ${path}`,
      });
    }
    expect(seen).toHaveLength(5);
    // The store's own id under the prefix is still the gateway's.
    const own = await gateway(tenant, `/api/${tenant.id}/my/downloads`);
    expect(own.status).toBe(401);
    expect(seen).toHaveLength(5);
  });

  it("keeps gateway routes for itself: /healthz is not proxied", async () => {
    const { tenant, seen } = await tenantWithOrigin(() => new Response("origin"));
    const res = await gateway(tenant, "/healthz");
    expect(await res.json()).toEqual({ ok: true, service: "dlgate" });
    expect(seen).toHaveLength(0);
  });

  it("answers 404 not_found for unknown paths when the tenant has no origin", async () => {
    const tenant = await createTenant();
    const res = await gateway(tenant, "/nowhere");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });

  it.each(["/a%2Fb", "/a%5cb", "/files/..%2fsecret", "/a//b", "/downloads//x"])(
    "refuses the non-canonical path %s with 400 before routing or proxying",
    async (path) => {
      const { tenant, seen } = await tenantWithOrigin(() => new Response("origin"));
      const res = await gateway(tenant, path);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "bad_request" });
      expect(seen).toHaveLength(0);
    },
  );
});
