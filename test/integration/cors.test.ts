/**
 * CORS (docs/CONTRACT.md §4): a storefront page on one of the tenant's `allowed_origins`
 * may call the listing, info and profile routes from the browser, with credentials;
 * other origins get no CORS headers. Preflights are answered by the gateway itself.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { brokenD1, gatewayRaw, sign, uid } from "../helpers/fixtures.ts";
import {
  customerGet,
  customerToken,
  expectError,
  firstFile,
  operator,
  placeOrder,
  uploadFile,
  type IssuerTenant,
} from "../helpers/issuer.ts";
import { STOREFRONT_KEY, mockOrigin, profileTenant } from "../helpers/profiles.ts";

const SHOP = "https://shop.example.com";
const EVIL = "https://evil.example.net";

afterEach(() => vi.restoreAllMocks());

async function corsTenant(settings: Record<string, unknown> = {}): Promise<IssuerTenant> {
  const tenant = await profileTenant(["customer-downloadable-products", "customer-account-orders"], {
    allowed_origins: [SHOP, "http://localhost:5173"],
    ...settings,
  });
  // An origin that must never see the preflights of the gateway's own paths.
  await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
    .bind("https://origin.example", tenant.id)
    .run();
  forgetTenant();
  return tenant;
}

function preflight(url: string, origin: string, requestHeaders = "authorization"): Promise<Response> {
  return gatewayRaw(url, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": requestHeaders,
    },
  });
}

/** Every Access-Control-* header of an answer. */
function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));
}

function expectAllowed(response: Response, origin = SHOP): void {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
  expect(response.headers.get("Access-Control-Allow-Credentials")).toBe("true");
  expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
}

async function orderWithLink(tenant: IssuerTenant, customer: string) {
  const file = await uploadFile(tenant, { name: "book.pdf" });
  const order = await placeOrder(tenant, {
    order_number: uid("o"),
    customer_id: customer,
    status: "complete",
    items: [{ product: { id: "p1", name: "Book" }, file_ids: [file.id], grant: { download_limit: 3 } }],
  });
  return { order, file };
}

describe("CORS preflight", () => {
  it.each([
    "/my/downloads",
    "/orders/1001/downloads",
    "/downloads/x.y.z/info",
    "/my/downloads/",
    "/downloads/x.y.z/info/",
  ])("answers a preflight on %s from an allowed origin itself, never asking the origin", async (path) => {
    const tenant = await corsTenant();
    const asked = mockOrigin(() => new Response("from the origin", { status: 200 }));
    const response = await preflight(`https://${tenant.host}${path}`, SHOP, "authorization,content-type");
    expect(response.status).toBe(204);
    expectAllowed(response);
    const allowHeaders = (response.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase();
    for (const name of ["authorization", "content-type", "x-storefront-key"]) expect(allowHeaders).toContain(name);
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("GET");
    expect(Number(response.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    expect(await response.text()).toBe("");
    expect(asked).toEqual([]);
  });

  it("answers the /api/<tenant>/ form on a host that belongs to no tenant", async () => {
    const tenant = await corsTenant();
    const response = await preflight(`https://gateway.example/api/${tenant.id}/my/downloads`, SHOP);
    expect(response.status).toBe(204);
    expectAllowed(response);
  });

  it("gives an origin the tenant did not list a 204 without any allow header, and still does not proxy", async () => {
    const tenant = await corsTenant();
    const asked = mockOrigin(() => new Response("from the origin"));
    for (const origin of [EVIL, `${SHOP}.evil.net`, "null", "https://SHOP.example.com"]) {
      const response = await preflight(`https://${tenant.host}/my/downloads`, origin);
      expect(response.status).toBe(204);
      expect(corsHeaders(response)).toEqual({});
      expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
    }
    expect(asked).toEqual([]);
  });

  it("gives no allow headers to a tenant without allowed_origins", async () => {
    const tenant = await corsTenant({ allowed_origins: [] });
    const response = await preflight(`https://${tenant.host}/my/downloads`, SHOP);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual({});
  });

  it("does not let one tenant's allowed origin through another tenant's prefix", async () => {
    const tenant = await corsTenant();
    const other = await corsTenant({ allowed_origins: [] });
    const response = await preflight(`https://${tenant.host}/api/${other.id}/my/downloads`, SHOP);
    expect(corsHeaders(response)).toEqual({});
  });

  it("answers a profile path's preflight asking for X-STOREFRONT-KEY", async () => {
    const tenant = await corsTenant();
    const response = await preflight(
      `https://${tenant.host}/api/shop/customer-downloadable-products`,
      SHOP,
      "authorization,content-type,x-storefront-key",
    );
    expect(response.status).toBe(204);
    expectAllowed(response);
    expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/X-STOREFRONT-KEY/i);
    // The methods it takes are its seed system's: GET only, no HEAD (which it answers 405).
    expect(response.headers.get("Allow")).toBe("GET, OPTIONS");
    expect(response.headers.get("Access-Control-Allow-Methods")).toBe("GET, OPTIONS");
    const head = await gatewayRaw(`https://${tenant.host}/api/shop/customer-downloadable-products`, { method: "HEAD" });
    expect(head.status).toBe(405);
  });

  it("names GET, HEAD and OPTIONS on the gateway's own CORS paths, which answer all three", async () => {
    const tenant = await corsTenant();
    const response = await preflight(`https://${tenant.host}/my/downloads`, SHOP);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect(response.headers.get("Access-Control-Allow-Methods")).toBe("GET, HEAD, OPTIONS");
  });

  it("leaves a profile path the tenant did not enable to the storefront's origin", async () => {
    const tenant = await corsTenant();
    const asked = mockOrigin(() => new Response(null, { status: 204, headers: { "X-From": "origin" } }));
    const response = await preflight(`https://${tenant.host}/api/merchello/downloads/customer`, SHOP);
    expect(response.headers.get("X-From")).toBe("origin");
    expect(asked).toEqual(["https://origin.example/api/merchello/downloads/customer"]);
  });
});

describe("CORS on the real answers", () => {
  it("adds the allow headers to a listing for an allowed origin, and none for another", async () => {
    const tenant = await corsTenant();
    const customer = uid("c");
    await orderWithLink(tenant, customer);
    const token = await customerToken(tenant, customer);

    const allowed = await customerGet(tenant, "/my/downloads", token, { Origin: SHOP });
    expect(allowed.status).toBe(200);
    expectAllowed(allowed);
    const body = await allowed.json<{ data: unknown[] }>();
    expect(body.data).toHaveLength(1);

    const other = await customerGet(tenant, "/my/downloads", token, { Origin: EVIL });
    expect(other.status).toBe(200);
    expect(corsHeaders(other)).toEqual({});
    expect(other.headers.get("Vary")).toMatch(/\bOrigin\b/);

    const none = await customerGet(tenant, "/my/downloads", token);
    expect(corsHeaders(none)).toEqual({});
  });

  it("adds them to errors too, so the page can read auth_required", async () => {
    const tenant = await corsTenant();
    const response = await customerGet(tenant, "/my/downloads", undefined, { Origin: SHOP });
    expect(response.status).toBe(401);
    expectAllowed(response);
    expect((await response.json<{ error: string }>()).error).toBe("auth_required");
  });

  it("adds them to the info route, valid token or not", async () => {
    const tenant = await corsTenant();
    const { order } = await orderWithLink(tenant, uid("c"));
    const url = firstFile(order).download_url ?? "";
    const ok = await gatewayRaw(`${url}/info`, { headers: { Origin: SHOP } });
    expect(ok.status).toBe(200);
    expectAllowed(ok);
    const bad = await gatewayRaw(`https://${tenant.host}/downloads/not-a-token/info`, { headers: { Origin: SHOP } });
    expect(bad.status).toBe(403);
    expectAllowed(bad);
    // The router serves the trailing-slash form too, so it gets the same headers.
    const slash = await gatewayRaw(`${url}/info/`, { headers: { Origin: SHOP } });
    expect(slash.status).toBe(200);
    expectAllowed(slash);
  });

  it("adds them to a profile's answer", async () => {
    const tenant = await corsTenant();
    const customer = uid("c");
    await orderWithLink(tenant, customer);
    const token = await customerToken(tenant, customer);
    const response = await customerGet(tenant, "/api/shop/customer-downloadable-products", token, {
      Origin: SHOP,
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(response.status).toBe(200);
    expectAllowed(response);
  });

  it("adds them to the error boundary's 503 when a dependency fails", async () => {
    const tenant = await corsTenant();
    const token = await customerToken(tenant, uid("c"));
    const url = `https://${tenant.host}/my/downloads`;
    const headers = { Origin: SHOP, Authorization: `Bearer ${token}`, "CF-Connecting-IP": "203.0.113.10" };
    // Warm the tenant cache, then fail every D1 query the listing makes.
    expect((await worker.fetch(new Request(url, { headers }), env, createExecutionContext())).status).toBe(200);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await worker.fetch(
      new Request(url, { headers }),
      { ...env, DB: brokenD1().db },
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expectAllowed(response);
  });

  it("adds nothing to the download itself or to the issuer API", async () => {
    const tenant = await corsTenant();
    const file = await uploadFile(tenant);
    const token = await sign(tenant, file);
    const download = await gatewayRaw(`https://${tenant.host}/downloads/${token}`, { headers: { Origin: SHOP } });
    expect(download.status).toBe(200);
    expect(corsHeaders(download)).toEqual({});
    const api = await gatewayRaw(`https://${tenant.host}/admin/v1/files/${file.id}`, {
      headers: { Origin: SHOP, Authorization: `Bearer ${tenant.adminKey}` },
    });
    expect(api.status).toBe(200);
    expect(corsHeaders(api)).toEqual({});
  });

  it("refuses an allowed_origins entry that is not an exact origin", async () => {
    const tenant = await corsTenant();
    for (const bad of [
      "https://shop.example.com/",
      "shop.example.com",
      SHOP + "/app",
      // A wildcard would only ever match literally: no browser sends it.
      "https://*.example.com",
      "https://shop*.example.com",
      "https://Shop.Example.com",
    ]) {
      const answer = await operator("PATCH", `/tenants/${tenant.id}`, {
        json: { settings: { allowed_origins: [bad] } },
      });
      expectError(answer, 400, "bad_request", ["settings.allowed_origins.0"]);
    }
    expect(
      (await operator<{ settings: { allowed_origins: string[] } }>("GET", `/tenants/${tenant.id}`)).body.settings
        .allowed_origins,
    ).toEqual([SHOP, "http://localhost:5173"]);

    // An underscore is no wildcard: browsers open such hosts and send them as Origin.
    const underscore = "https://my_shop.example.com";
    const answer = await operator("PATCH", `/tenants/${tenant.id}`, {
      json: { settings: { allowed_origins: [SHOP, underscore] } },
    });
    expect(answer.status).toBe(200);
    forgetTenant();
    expectAllowed(await preflight(`https://${tenant.host}/my/downloads`, underscore), underscore);
  });
});
