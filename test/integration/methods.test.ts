/**
 * Methods on the gateway's own paths (issue 8 §6, docs/CONTRACT.md §4/§7): a method the route does
 * not serve is `405 method_not_allowed` with `Allow`, answered by the gateway and never
 * forwarded to the tenant's origin. OPTIONS is left to CORS handling on the paths that answer
 * preflights (info and listings); on the others it is refused too, and `Allow` lists it only
 * where it is answered.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { bytesOf, createTenant, gateway, info, putFile, signLink, type TestTenant } from "../helpers/fixtures.ts";
import {
  admin,
  adminFetch,
  createTenantWithAdminKey,
  expectError,
  firstFile,
  operator,
  orderBody,
  placeOrder,
  uploadFile,
} from "../helpers/issuer.ts";

/** A tenant with a storefront origin; every request that reaches it is recorded and answered 200. */
async function tenantWithOrigin(): Promise<{ tenant: TestTenant; originCalls: string[] }> {
  const tenant = await createTenant();
  await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
    .bind("https://origin.example", tenant.id)
    .run();
  forgetTenant(tenant.id);
  const originCalls: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    originCalls.push(`${request.method} ${new URL(request.url).pathname}`);
    return new Response("the origin answered", { status: 200 });
  });
  return { tenant, originCalls };
}

afterEach(() => vi.restoreAllMocks());

// No preflight on the download itself (a navigation) nor on /healthz and /openapi.json.
const DOWNLOAD_ALLOW = "GET, HEAD";
const READ_ALLOW = "GET, HEAD, OPTIONS";
const SERVICE_ALLOW = "GET, HEAD";

async function routes(tenant: TestTenant): Promise<{ token: string; paths: [string, string][] }> {
  const file = await putFile(tenant, { size: 100, filename: "a.pdf" });
  const { token } = await signLink(tenant, file, { limit: 1 });
  const bare: [string, string][] = [
    [`/downloads/${token}`, DOWNLOAD_ALLOW],
    [`/downloads/${token}/info`, READ_ALLOW],
    ["/my/downloads", READ_ALLOW],
    ["/orders/1001/downloads", READ_ALLOW],
  ];
  const prefixed = bare.map(([path, allow]): [string, string] => [`/api/${tenant.id}${path}`, allow]);
  return { token, paths: [...bare, ...prefixed] };
}

describe("405 method_not_allowed on the gateway's own paths", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE"])(
    "%s on every download, info and listing path, bare and under /api/:tenant, never reaches the origin",
    async (method) => {
      const { tenant, originCalls } = await tenantWithOrigin();
      const { token, paths } = await routes(tenant);
      for (const [path, allow] of paths) {
        const response = await gateway(tenant, path, { method, body: method === "DELETE" ? undefined : "x=1" });
        expect({ path, status: response.status, allow: response.headers.get("Allow") }).toEqual({
          path,
          status: 405,
          allow,
        });
        expect(await response.json()).toEqual({ error: "method_not_allowed", message: expect.any(String) });
      }
      expect(originCalls).toEqual([]);
      // A refused POST on the download path is no download.
      expect(await info(tenant, token)).toMatchObject({ download_count: 0 });
    },
  );

  it("HEAD on info and listing paths answers the GET's status and headers without a body, and counts nothing", async () => {
    const { tenant, originCalls } = await tenantWithOrigin();
    const { token, paths } = await routes(tenant);
    for (const [path] of paths.filter(([, allow]) => allow === READ_ALLOW)) {
      const get = await gateway(tenant, path);
      const length = String((await get.arrayBuffer()).byteLength);
      const head = await gateway(tenant, path, { method: "HEAD" });
      expect({
        path,
        status: head.status,
        type: head.headers.get("Content-Type"),
        length: head.headers.get("Content-Length"),
      }).toEqual({ path, status: get.status, type: get.headers.get("Content-Type"), length });
      expect(await bytesOf(head)).toHaveLength(0);
    }
    const head = await gateway(tenant, `/downloads/${token}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe("100");
    expect(originCalls).toEqual([]);
    expect(await info(tenant, token)).toMatchObject({ download_count: 0 });
  });

  it("HEAD on a refused read is the same refusal without a body", async () => {
    const { tenant } = await tenantWithOrigin();
    // No customer signed in, and a token that is none: the GETs' refusals.
    for (const path of ["/my/downloads", "/downloads/not-a-token/info"]) {
      const get = await gateway(tenant, path);
      const text = await get.text();
      const head = await gateway(tenant, path, { method: "HEAD" });
      expect({ path, status: head.status, length: head.headers.get("Content-Length") }).toEqual({
        path,
        status: get.status,
        length: String(new TextEncoder().encode(text).byteLength),
      });
      // And as the customer's page, in a browser.
      const page = await gateway(tenant, path, { headers: { Accept: "text/html" } });
      const pageLength = String((await page.arrayBuffer()).byteLength);
      const pageHead = await gateway(tenant, path, { method: "HEAD", headers: { Accept: "text/html" } });
      expect(pageHead.headers.get("Content-Length")).toBe(pageLength);
      expect(await bytesOf(pageHead)).toHaveLength(0);
      expect(head.status).toBeGreaterThanOrEqual(400);
      expect(await bytesOf(head)).toHaveLength(0);
    }
  });

  it("answers a browser's 405 as an HTML page with the same status and Allow", async () => {
    const { tenant } = await tenantWithOrigin();
    const { token } = await routes(tenant);
    const response = await gateway(tenant, `/downloads/${token}`, {
      method: "POST",
      headers: { Accept: "text/html" },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe(DOWNLOAD_ALLOW);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  });

  it("refuses other methods on /healthz and /openapi.json too", async () => {
    const { tenant, originCalls } = await tenantWithOrigin();
    for (const path of ["/healthz", "/openapi.json"]) {
      const response = await gateway(tenant, path, { method: "POST", body: "{}" });
      expect({ path, status: response.status, allow: response.headers.get("Allow") }).toEqual({
        path,
        status: 405,
        allow: SERVICE_ALLOW,
      });
    }
    expect(originCalls).toEqual([]);
  });

  it("leaves OPTIONS to the CORS handling where Allow lists it, refuses it where Allow does not", async () => {
    const { tenant, originCalls } = await tenantWithOrigin();
    const { token, paths } = await routes(tenant);
    for (const [path, allow] of paths) {
      const response = await gateway(tenant, path, { method: "OPTIONS" });
      await response.arrayBuffer();
      if (allow.includes("OPTIONS")) expect({ path, status: response.status }).toEqual({ path, status: 204 });
      else
        expect({ path, status: response.status, allow: response.headers.get("Allow") }).toEqual({
          path,
          status: 405,
          allow,
        });
    }
    expect(originCalls).toEqual([]);
    const response = await gateway(tenant, `/downloads/${token}`);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toHaveLength(100);
  });

  it("still sends other paths of any method to the origin", async () => {
    const { tenant, originCalls } = await tenantWithOrigin();
    const response = await gateway(tenant, "/cart", { method: "POST", body: "item=1" });
    expect(await response.text()).toBe("the origin answered");
    expect(originCalls).toEqual(["POST /cart"]);
  });
});

describe("the issuer and operator APIs answer a known path's other methods with 405", () => {
  it("names the methods a path takes in Allow, after the credentials are checked", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    const link = firstFile(order).link_id;
    for (const [method, path, allow] of [
      // No CORS on the issuer API (docs/CONTRACT.md §4): OPTIONS is refused too and not in Allow.
      ["DELETE", `/orders/${order.order_number}`, "GET, HEAD"],
      ["OPTIONS", `/orders/${order.order_number}`, "GET, HEAD"],
      ["PUT", `/links/${link}`, "GET, HEAD, PATCH"],
      ["GET", `/links/${link}/url`, "POST"],
      ["PATCH", "/keys", "GET, HEAD, POST"],
    ] as const) {
      const answer = await admin(tenant, method, path);
      expectError(answer, 405, "method_not_allowed");
      const sorted = (list: string) => list.split(", ").sort().join(", ");
      expect({ path, allow: sorted(answer.headers.get("Allow") ?? "") }).toEqual({ path, allow: sorted(allow) });
    }
    expectError(await operator("DELETE", `/tenants/${tenant.id}`), 405, "method_not_allowed");
    // Without credentials nothing is said about which paths exist; unknown paths stay 404.
    expectError(await admin(tenant, "DELETE", `/orders/${order.order_number}`, { key: null }), 401, "auth_required");
    expectError(await admin(tenant, "GET", "/no-such-thing"), 404, "not_found");
    // Nothing was changed by the refused calls.
    expect((await admin(tenant, "GET", `/orders/${order.order_number}`)).status).toBe(200);
  });

  it("answers HEAD on a read like its GET, without the body, and behind the same credentials", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    for (const path of [
      `/orders/${order.order_number}`,
      `/links/${firstFile(order).link_id}`,
      `/files/${file.id}`,
      "/keys",
    ]) {
      const head = await adminFetch(tenant, "HEAD", path);
      expect({ path, status: head.status, type: head.headers.get("Content-Type") }).toEqual({
        path,
        status: 200,
        type: "application/json; charset=utf-8",
      });
      expect(await bytesOf(head)).toHaveLength(0);
    }
    const refused = await adminFetch(tenant, "HEAD", `/orders/${order.order_number}`, { key: null });
    expect(refused.status).toBe(401);
    // RFC 9110 §15.5.2: a 401 names the scheme it takes.
    expect(refused.headers.get("WWW-Authenticate")).toBe('Bearer realm="dlgate"');
    expect(await bytesOf(refused)).toHaveLength(0);
    expect((await admin(tenant, "HEAD", "/orders/no-such-order")).status).toBe(404);
    // The operator scope too; an empty body reads as null.
    expect(await operator("HEAD", "/tenants")).toMatchObject({ status: 200, body: null });
  });
});
