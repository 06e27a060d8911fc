/**
 * What the declarations of the public endpoints (src/routes/customer/, src/routes/service/,
 * src/profiles/) promise beyond each route's own tests: URLs that leave the gateway keep
 * working with what mail clients and trackers append, tokens are compared as sent, a
 * profile path is untouched where its profile is off, and the document lists what is
 * served and nothing of the bench.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesOf, createTenant, drain, gateway, putFile, signLink } from "../helpers/fixtures.ts";

async function errorCode(response: Response): Promise<unknown> {
  const body: { error?: unknown } = await response.json();
  return body.error;
}

describe("public endpoints", () => {
  it("serve a download link with the tags a mail client or tracker appends, counting it once", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 1500, filename: "Tagged.zip" });
    const link = await signLink(tenant, file);
    const tags = "?utm_source=newsletter&utm_source=again&_=1764264000000";

    const head = await gateway(tenant, `/downloads/${link.token}${tags}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const response = await gateway(tenant, `/downloads/${link.token}${tags}`);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(file.bytes);
    const info = await gateway(tenant, `/downloads/${link.token}/info${tags}`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ download_count: 1 });
    expect((await link.stub.snapshot()).count).toBe(1);
    expect((await gateway(tenant, `/healthz${tags}`)).status).toBe(200);
  });

  it("compare the token as sent: an encoded spelling or a stray % is invalid_token, never a 400 or a download", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 100, filename: "a.bin" });
    const link = await signLink(tenant, file);
    const encoded = `%${link.token.charCodeAt(0).toString(16)}${link.token.slice(1)}`;
    for (const path of [`/downloads/${encoded}`, `/downloads/${link.token}%`, `/downloads/${link.token}%zz/info`]) {
      const response = await gateway(tenant, path);
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
      expect(await errorCode(response)).toBe("invalid_token");
    }
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("leave a profile's path to the store where the profile is off: no 400 for its query, no 405 for its methods", async () => {
    const tenant = await createTenant();
    for (const [method, path] of [
      ["GET", "/api/merchello/downloads/customer?bogus=1"],
      ["POST", "/api/v2/customer-account-orders"],
      ["HEAD", "/api/shop/customer-downloadable-products"],
    ] as const) {
      const response = await drain(await gateway(tenant, path, { method }));
      // No origin configured: the proxy's 404, exactly what any path of the store would get.
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
  });

  it("are documented in /openapi.json, profiles' refusals included, and the bench's routes are not", async () => {
    const response = await exports.default.fetch(new Request("https://gateway.test/openapi.json?_=1"));
    expect(response.status).toBe(200);
    const doc: { paths: Record<string, Record<string, { operationId?: string; responses: object }>> } =
      await response.json();
    expect(Object.keys(doc.paths).filter((path) => path.startsWith("/__bench"))).toEqual([]);
    for (const path of ["/api/v2/customer-account-orders", "/api/shop/customer-downloadable-products"]) {
      for (const method of ["head", "post", "put", "patch", "delete"]) {
        expect(Object.keys(doc.paths[path]?.[method]?.responses ?? {}), `${method} ${path}`).toContain("405");
      }
      expect(doc.paths[path]?.get?.operationId).toBeDefined();
    }
    expect(doc.paths["/api/{tenant}/downloads/{token}"]?.head?.operationId).toBe("downloadHeadersForTenant");
  });
});
