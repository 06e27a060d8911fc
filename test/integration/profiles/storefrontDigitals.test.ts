/**
 * Profile `storefront-digitals` (seed 003): GET/HEAD /api/v2/storefront/digitals/:token.
 * The seed's token example is `4WaA5vjMbnivskav2rMPGKzt`; here the token is a dlgate token.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetTenant } from "../../../src/tenants/resolveTenant.ts";
import { bytesOf, counts, createTenant, gateway, nowSeconds, putFile, sign, signLink } from "../../helpers/fixtures.ts";
import {
  DIGITALS_CONTENT_TYPES,
  digitalsPath,
  digitalsStore,
  expectDigitalsForbidden,
  getDigital,
  mediaType,
} from "../../helpers/profilesB.ts";

afterEach(() => vi.restoreAllMocks());

describe("storefront-digitals: GET /api/v2/storefront/digitals/:token", () => {
  it("streams the asset with the gateway's file headers and counts one download", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant, { size: 4321, filename: "artwork.png" });
    const link = await signLink(tenant, file, { limit: 3 });

    const response = await getDigital(tenant, link.token);

    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(file.bytes);
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("Content-Length")).toBe("4321");
    expect(response.headers.get("Content-Disposition")).toContain('filename="artwork.png"');
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(response.headers.get("ETag")).toMatch(/^"[^"]+"$/);
    expect(await counts(tenant, link)).toEqual({ info: 1, durable: 1 });
  });

  it("answers HEAD with the same headers, no body, and does not count", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant, { size: 900, filename: "font.woff2" });
    const link = await signLink(tenant, file, { limit: 1 });

    const head = await getDigital(tenant, link.token, { method: "HEAD" });

    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Type")).toBe("font/woff2");
    expect(head.headers.get("Content-Length")).toBe("900");
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(await counts(tenant, link)).toEqual({ info: 0, durable: 0 });
  });

  it("resumes a counted download with a Range request without counting it again", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant, { size: 1000, filename: "movie.mpeg" });
    const link = await signLink(tenant, file, { limit: 1 });
    await bytesOf(await getDigital(tenant, link.token));

    const resumed = await getDigital(tenant, link.token, { headers: { Range: "bytes=600-" } });

    expect(resumed.status).toBe(206);
    expect(resumed.headers.get("Content-Range")).toBe("bytes 600-999/1000");
    expect(await bytesOf(resumed)).toEqual(file.bytes.slice(600));
    expect(await counts(tenant, link)).toEqual({ info: 1, durable: 1 });
  });

  describe("serves each content type of the seed from the file's extension", () => {
    it.each(DIGITALS_CONTENT_TYPES)("*.%s as %s", async (extension, type) => {
      const tenant = await digitalsStore();
      const file = await putFile(tenant, { size: 64, filename: `asset.${extension}` });
      const token = await sign(tenant, file);

      const response = await getDigital(tenant, token);

      expect(response.status).toBe(200);
      expect(mediaType(response)).toBe(type);
      expect(await bytesOf(response)).toEqual(file.bytes);
    });
  });
});

describe("storefront-digitals: refusals answer the seed's 403", () => {
  it("refuses a download over the link's limit with 403 and the seed's body, and the count stays at the limit", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant, { filename: "guide.pdf" });
    const link = await signLink(tenant, file, { limit: 2 });
    for (let i = 0; i < 2; i++) expect((await bytesOf(await getDigital(tenant, link.token))).length).toBe(1000);

    await expectDigitalsForbidden(await getDigital(tenant, link.token));

    expect(await counts(tenant, link)).toEqual({ info: 2, durable: 2 });
  });

  it("refuses a link past its days-since-purchase window with 403 and the seed's body, without counting", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant, { filename: "guide.pdf" });
    const purchasedAt = nowSeconds() - 10 * 86400;
    const link = await signLink(tenant, file, { expires: purchasedAt + 7 * 86400 });

    const response = await getDigital(tenant, link.token);

    await expectDigitalsForbidden(response);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await counts(tenant, link)).toEqual({ info: 0, durable: 0 });
  });

  it("answers the seed's 403 body as JSON even to a browser that prefers HTML", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant);
    const token = await sign(tenant, file, { expires: nowSeconds() - 3600 });

    await expectDigitalsForbidden(await getDigital(tenant, token, { headers: { Accept: "text/html,*/*;q=0.8" } }));
  });

  it("answers a refused HEAD with 403, the seed's content type and no body", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { limit: 1 });
    await bytesOf(await getDigital(tenant, link.token));

    const head = await getDigital(tenant, link.token, { method: "HEAD" });

    expect(head.status).toBe(403);
    expect(head.headers.get("Content-Type")).toBe("application/vnd.api+json");
    expect(await head.text()).toBe("");
  });

  it.each([
    ["revoked by the store", "revoked"],
    ["used from an address outside its ips", "ip"],
    ["used before its nbf", "nbf"],
    ["whose order is not paid yet", "pending"],
    ["whose file is missing from storage", "missing"],
    ["suspended (its order held, or the link blocked)", "suspended"],
    ["used from a country it does not allow", "country"],
  ])("refuses a link %s with the seed's 403", async (_name, kind) => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant);
    const grant =
      kind === "ip"
        ? { ips: ["192.0.2.0/24"] }
        : kind === "nbf"
          ? { notBefore: nowSeconds() + 3600 }
          : kind === "country"
            ? { countries: ["DE"] }
            : {};
    const link = await signLink(tenant, kind === "missing" ? { ...file, id: "never-stored" } : file, grant);
    if (kind === "revoked") await link.stub.setRevoked(true);
    if (kind === "pending") await link.stub.setPending(true);
    if (kind === "suspended") await link.stub.change({ suspended: true }, null);

    await expectDigitalsForbidden(await getDigital(tenant, link.token));
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("refuses another customer's login-bound link with the seed's 403", async () => {
    const tenant = await digitalsStore();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { customer: "cust-a", requireLogin: true });

    await expectDigitalsForbidden(await getDigital(tenant, link.token));
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it.each([
    ["a token the store never issued", "garbage"],
    ["a token signed by another store", "foreign"],
  ])("answers %s with 404 and the system's not-found body", async (_name, kind) => {
    const tenant = await digitalsStore();
    const other = await createTenant();
    const file = await putFile(tenant);
    const token = kind === "garbage" ? "4WaA5vjMbnivskav2rMPGKzt" : await sign(other, file);

    const response = await getDigital(tenant, token);

    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toBe("application/vnd.api+json");
    expect(await response.json()).toEqual({ error: "The resource you were looking for could not be found." });
  });
});

describe("storefront-digitals: only for tenants that enable it", () => {
  it("does not serve the path for a tenant without the profile (404 when it has no origin)", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file);

    const response = await gateway(tenant, digitalsPath(link.token));

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("passes the path to the store's origin when the tenant has one but not the profile", async () => {
    const tenant = await createTenant();
    await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
      .bind("https://origin.example", tenant.id)
      .run();
    forgetTenant(tenant.id);
    const seen: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      seen.push(new Request(input, init).url);
      return new Response("from the store", { status: 200 });
    });

    const response = await gateway(tenant, digitalsPath("4WaA5vjMbnivskav2rMPGKzt"));

    expect(await response.text()).toBe("from the store");
    expect(seen).toEqual(["https://origin.example/api/v2/storefront/digitals/4WaA5vjMbnivskav2rMPGKzt"]);
  });
});
