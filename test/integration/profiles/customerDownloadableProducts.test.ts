/**
 * Seed 001 (`customer-downloadable-products`): `GET /api/shop/customer-downloadable-products`
 * with the storefront key and the customer's bearer token, answered in the seed's camelCase
 * shape over the core model (orders, links, Durable Object counts).
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fileBytes, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  customerGet,
  customerToken,
  errorOf,
  fetchUrl,
  placeOrder,
  setTenantSettings,
  uploadFile,
  type IssuerTenant,
} from "../../helpers/issuer.ts";
import {
  STOREFRONT_KEY,
  downloadAndMirror,
  keysOf,
  mockOrigin,
  profileTenant,
  setLinkFigures,
} from "../../helpers/profiles.ts";
import type { DownloadablePurchase as Purchase } from "../../../src/profiles/customerDownloadableProducts/customerDownloadableProductsView.ts";

const PATH = "/api/shop/customer-downloadable-products";
const PROFILE = "customer-downloadable-products" as const;

/** Every field the seed's "Response Fields" table names, and nothing else. */
const SEED_FIELDS = [
  "id",
  "productName",
  "name",
  "url",
  "file",
  "fileName",
  "type",
  "downloadBought",
  "downloadUsed",
  "downloadCanceled",
  "status",
  "remainingDownloads",
  "customerId",
  "orderId",
  "orderItemId",
  "order",
  "createdAt",
  "updatedAt",
].sort();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

afterEach(() => vi.restoreAllMocks());

/** The seed's cURL example: storefront key, bearer token, Content-Type. */
async function list(
  tenant: IssuerTenant,
  customer: string,
  headers: Record<string, string> = {},
): Promise<{ response: Response; body: Purchase[] }> {
  const response = await customerGet(tenant, PATH, await customerToken(tenant, customer), {
    "X-STOREFRONT-KEY": STOREFRONT_KEY,
    "Content-Type": "application/json",
    ...headers,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`listing answered ${response.status}: ${text}`);
  return { response, body: JSON.parse(text) as Purchase[] };
}

async function only(tenant: IssuerTenant, customer: string): Promise<Purchase> {
  const { body } = await list(tenant, customer);
  expect(body).toHaveLength(1);
  return body[0] as Purchase;
}

/** One order of one item ("My new Book") for `customer`, with `fileIds` and `grant`. */
async function buy(
  tenant: IssuerTenant,
  customer: string,
  fileIds: string[],
  grant: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const orderNumber = String(1000 + Math.floor(Math.random() * 1_000_000));
  await placeOrder(tenant, {
    order_number: orderNumber,
    customer_id: customer,
    purchased_at: "2026-01-15T10:00:00Z",
    items: [{ product: { id: "123456", name: "My new Book" }, file_ids: fileIds, grant }],
    ...overrides,
  });
  return orderNumber;
}

describe("seed 001 shape: GET /api/shop/customer-downloadable-products", () => {
  it("answers a bare JSON array whose entries carry exactly the seed's camelCase fields with the seed's types", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant, { name: "my-book.pdf" });
    const orderNumber = await buy(tenant, "42", [file.id], { download_limit: 10 });

    const { response, body } = await list(tenant, "42");
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(1);
    const purchase = body[0] as Purchase;
    expect(keysOf(purchase)).toEqual(SEED_FIELDS);
    expect(purchase).toEqual({
      id: expect.stringMatching(/^l_/),
      productName: "My new Book",
      name: "my-book.pdf",
      url: null,
      file: expect.stringMatching(new RegExp(`^https://${tenant.host}/api/${tenant.id}/downloads/[^/]+$`)),
      fileName: "my-book.pdf",
      type: "file",
      downloadBought: 10,
      downloadUsed: 0,
      downloadCanceled: 0,
      status: "available",
      remainingDownloads: 10,
      // Store-supplied numeric ids come back as integers, as the seed types them.
      customerId: 42,
      orderId: Number(orderNumber),
      orderItemId: expect.stringMatching(/^i_/),
      order: { id: Number(orderNumber), status: "complete", createdAt: "2026-01-15T10:00:00.000Z" },
      createdAt: "2026-01-15T10:00:00.000Z",
      updatedAt: "2026-01-15T10:00:00.000Z",
    });
    expect(purchase.createdAt).toMatch(ISO);
    expect(purchase.updatedAt).toMatch(ISO);
  });

  it("answers [] (a bare empty array) for a signed-in customer with no purchases", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { response, body } = await list(tenant, "nobody");
    expect(response.status).toBe(200);
    expect(body).toEqual([]);
  });

  it("keeps non-numeric store ids as strings and gateway ids (link, item) always as strings", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "cust-A", [file.id], {}, { order_number: "WEB-1050" });
    const purchase = await only(tenant, "cust-A");
    expect(purchase.customerId).toBe("cust-A");
    expect(purchase.orderId).toBe("WEB-1050");
    expect(purchase.order.id).toBe("WEB-1050");
    expect(typeof purchase.id).toBe("string");
    expect(typeof purchase.orderItemId).toBe("string");
  });

  it("lists one entry per purchased file, each with its own link id and the same order", async () => {
    const tenant = await profileTenant([PROFILE]);
    const a = await uploadFile(tenant, { name: "part-1.pdf" });
    const b = await uploadFile(tenant, { name: "part-2.pdf" });
    await buy(tenant, "7", [a.id, b.id], { download_limit: 3 });
    const { body } = await list(tenant, "7");
    expect(body.map((p) => p.fileName).sort()).toEqual(["part-1.pdf", "part-2.pdf"]);
    expect(new Set(body.map((p) => p.id)).size).toBe(2);
    expect(new Set(body.map((p) => p.orderItemId)).size).toBe(1);
    expect(new Set(body.map((p) => p.orderId)).size).toBe(1);
  });
});

describe("seed 001 type file|url: links point at the gateway, never the origin", () => {
  it("shows an uploaded (R2) file as type file: `file` is a gateway download URL and `url` is null", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant, { name: "book.pdf", size: 2048 });
    await buy(tenant, "1", [file.id]);
    const purchase = await only(tenant, "1");
    expect(purchase.type).toBe("file");
    expect(purchase.url).toBeNull();
    const download = await fetchUrl(purchase.file as string);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(file.bytes);
  });

  it("shows a pull-through (origin URL) file as type url: `url` is a gateway URL that serves it, the origin never shows", async () => {
    const tenant = await profileTenant([PROFILE]);
    const fileId = uid("f");
    const registered = await admin(tenant, "POST", `/files/${fileId}`, {
      json: { source_url: "https://origin.example/private/store-files/book-part-2.pdf" },
    });
    expect(registered.status).toBe(201);
    await buy(tenant, "1", [fileId], { download_limit: 2 });

    const { body } = await list(tenant, "1");
    const purchase = body[0] as Purchase;
    expect(purchase.type).toBe("url");
    expect(purchase.file).toBeNull();
    expect(purchase.url).toMatch(new RegExp(`^https://${tenant.host}/api/${tenant.id}/downloads/`));
    expect(JSON.stringify(body)).not.toContain("origin.example");
    expect(purchase.fileName).toBe("book-part-2.pdf");

    const bytes = fileBytes(3000, 5);
    const asked = mockOrigin(() => new Response(bytes, { headers: { "Content-Length": String(bytes.byteLength) } }));
    expect(await downloadAndMirror(tenant.id, purchase.url as string)).toBe(200);
    expect(asked).toEqual(["https://origin.example/private/store-files/book-part-2.pdf"]);
    const after = await only(tenant, "1");
    expect(after.downloadUsed).toBe(1);
    expect(after.remainingDownloads).toBe(1);
  });
});

describe("seed 001 counts and status through the profile", () => {
  it("counts a download of the listed URL: downloadUsed and remainingDownloads follow once the link's alarm mirrors it", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 3 });
    const before = await only(tenant, "5");
    expect(before.downloadUsed).toBe(0);

    expect(await downloadAndMirror(tenant.id, before.file as string)).toBe(200);
    const after = await only(tenant, "5");
    expect(after.id).toBe(before.id);
    expect(after.downloadUsed).toBe(1);
    expect(after.downloadBought).toBe(3);
    expect(after.remainingDownloads).toBe(2);
    expect(after.status).toBe("available");
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(after.createdAt));
  });

  it("does not count a HEAD of the listed URL", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 3 });
    const purchase = await only(tenant, "5");
    const head = await fetchUrl(purchase.file as string, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await only(tenant, "5")).downloadUsed).toBe(0);
  });

  it("turns expired with 0 remaining and no URL once every download is used, and the download path agrees", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 1 });
    const url = (await only(tenant, "5")).file as string;
    expect(await downloadAndMirror(tenant.id, url)).toBe(200);

    const used = await only(tenant, "5");
    expect(used).toMatchObject({
      status: "expired",
      downloadUsed: 1,
      remainingDownloads: 0,
      file: null,
      url: null,
    });
    expect(await errorOf(await fetchUrl(url))).toEqual({ status: 403, error: "limit_reached" });
  });

  it("computes remainingDownloads as bought − used − canceled", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 5 });
    const purchase = await only(tenant, "5");
    await setLinkFigures(tenant.id, purchase.id, { download_count: 1, canceled_count: 2 });
    expect(await only(tenant, "5")).toMatchObject({
      downloadBought: 5,
      downloadUsed: 1,
      downloadCanceled: 2,
      remainingDownloads: 2,
      status: "available",
    });
  });

  it("is expired when canceled downloads take the rest", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 2 });
    const purchase = await only(tenant, "5");
    await setLinkFigures(tenant.id, purchase.id, { download_count: 1, canceled_count: 1 });
    expect(await only(tenant, "5")).toMatchObject({ remainingDownloads: 0, status: "expired", file: null });
  });

  it("shows unlimited downloads as downloadBought 0 and remainingDownloads null, still available after downloads", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id]);
    const purchase = await only(tenant, "5");
    expect(purchase).toMatchObject({ downloadBought: 0, remainingDownloads: null, status: "available" });
    expect(await downloadAndMirror(tenant.id, purchase.file as string)).toBe(200);
    expect(await only(tenant, "5")).toMatchObject({
      downloadBought: 0,
      downloadUsed: 1,
      remainingDownloads: null,
      status: "available",
    });
  });

  it("is expired, without a URL, after the grant's expiry", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "5", [file.id], { download_limit: 3, expires_at: "2026-01-20T00:00:00Z" });
    expect(await only(tenant, "5")).toMatchObject({
      status: "expired",
      remainingDownloads: 3,
      file: null,
      url: null,
    });
  });

  it("is pending, without a URL, while the order is not paid, and available once it is completed", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    const orderNumber = await buy(tenant, "5", [file.id], { download_limit: 3 }, { status: "pending" });
    expect(await only(tenant, "5")).toMatchObject({
      status: "pending",
      file: null,
      url: null,
      remainingDownloads: 3,
      order: { status: "pending" },
    });
    expect((await admin(tenant, "POST", `/orders/${orderNumber}/complete`)).status).toBe(200);
    const paid = await only(tenant, "5");
    expect(paid.status).toBe("available");
    expect(paid.file).toMatch(/\/downloads\//);
  });

  it("is expired once the store cancels the order", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    const orderNumber = await buy(tenant, "5", [file.id], { download_limit: 3 });
    expect((await admin(tenant, "POST", `/orders/${orderNumber}/cancel`)).status).toBe(200);
    expect(await only(tenant, "5")).toMatchObject({ status: "expired", file: null, order: { status: "canceled" } });
  });
});

describe("seed 001 customer isolation", () => {
  it("shows each customer only their own purchases", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    await buy(tenant, "alice", [file.id]);
    await buy(tenant, "alice", [file.id]);
    await buy(tenant, "bob", [file.id]);

    const alice = (await list(tenant, "alice")).body;
    const bob = (await list(tenant, "bob")).body;
    expect(alice).toHaveLength(2);
    expect(bob).toHaveLength(1);
    expect(alice.every((p) => p.customerId === "alice")).toBe(true);
    expect(bob.every((p) => p.customerId === "bob")).toBe(true);
    const aliceIds = new Set(alice.map((p) => p.id));
    expect(bob.some((p) => aliceIds.has(p.id))).toBe(false);
    expect((await list(tenant, "carol")).body).toEqual([]);
  });

  it("never lists another tenant's purchases for the same customer id", async () => {
    const shopA = await profileTenant([PROFILE]);
    const shopB = await profileTenant([PROFILE]);
    const file = await uploadFile(shopA);
    await buy(shopA, "alice", [file.id]);
    expect((await list(shopB, "alice")).body).toEqual([]);
  });

  it("refuses a customer token signed for another store (401)", async () => {
    const shopA = await profileTenant([PROFILE]);
    const shopB = await profileTenant([PROFILE]);
    const response = await customerGet(shopB, PATH, await customerToken(shopA, "alice"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(await errorOf(response)).toEqual({ status: 401, error: "auth_required" });
  });
});

describe("seed 001 authentication: X-STOREFRONT-KEY and the customer's bearer token", () => {
  it("answers 401 auth_required without X-STOREFRONT-KEY, even with a valid customer token", async () => {
    const tenant = await profileTenant([PROFILE]);
    const response = await customerGet(tenant, PATH, await customerToken(tenant, "1"));
    expect(await errorOf(response)).toEqual({ status: 401, error: "auth_required" });
  });

  it("answers 403 forbidden for a wrong storefront key, before looking at the customer", async () => {
    const tenant = await profileTenant([PROFILE]);
    for (const key of ["pk_storefront_wrong_key_here", "pk_storefront_your_key_her", `${STOREFRONT_KEY}x`]) {
      const response = await customerGet(tenant, PATH, await customerToken(tenant, "1"), { "X-STOREFRONT-KEY": key });
      expect(await errorOf(response)).toEqual({ status: 403, error: "forbidden" });
    }
  });

  it("refuses another store's storefront key (403)", async () => {
    const tenant = await profileTenant([PROFILE]);
    const other = await profileTenant([PROFILE], { storefront_key: "pk_storefront_other_store" });
    const response = await customerGet(other, PATH, await customerToken(other, "1"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(await errorOf(response)).toEqual({ status: 403, error: "forbidden" });
    const own = await customerGet(tenant, PATH, await customerToken(tenant, "1"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(own.status).toBe(200);
  });

  it("fails closed (403) when the store enabled the profile without configuring a storefront key", async () => {
    const tenant = await profileTenant([PROFILE]);
    await setTenantSettings(tenant, { profiles: [PROFILE] });
    const response = await customerGet(tenant, PATH, await customerToken(tenant, "1"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(await errorOf(response)).toEqual({ status: 403, error: "forbidden" });
  });

  it("answers 401 auth_required with the right storefront key but no, a forged or an expired customer token", async () => {
    const tenant = await profileTenant([PROFILE]);
    const headers = { "X-STOREFRONT-KEY": STOREFRONT_KEY };
    const tokens = [
      undefined,
      await customerToken(tenant, "1", { secret: "not-the-store-secret-0123456789" }),
      await customerToken(tenant, "1", { expiresAt: Math.floor(Date.now() / 1000) - 3600 }),
    ];
    for (const token of tokens) {
      const response = await customerGet(tenant, PATH, token, headers);
      expect(await errorOf(response)).toEqual({ status: 401, error: "auth_required" });
    }
  });
});

describe("seed 001 is read-only and per tenant", () => {
  it("answers 405 method_not_allowed with Allow: GET to every other method", async () => {
    const tenant = await profileTenant([PROFILE]);
    const token = await customerToken(tenant, "1");
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const response = await fetchUrl(`https://${tenant.host}${PATH}`, {
        method,
        headers: { "X-STOREFRONT-KEY": STOREFRONT_KEY, Authorization: `Bearer ${token}` },
        body: method === "DELETE" ? undefined : "{}",
      });
      expect(response.headers.get("Allow"), method).toBe("GET");
      expect(await errorOf(response), method).toEqual({ status: 405, error: "method_not_allowed" });
    }
    const head = await fetchUrl(`https://${tenant.host}${PATH}`, { method: "HEAD" });
    expect(head.status).toBe(405);
    expect(head.headers.get("Allow")).toBe("GET");
  });

  it("is not served when the tenant has not enabled the profile: 404 without an origin", async () => {
    const tenant = await profileTenant([]);
    const file = await uploadFile(tenant);
    await buy(tenant, "1", [file.id]);
    const response = await customerGet(tenant, PATH, await customerToken(tenant, "1"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(await errorOf(response)).toEqual({ status: 404, error: "not_found" });
    const post = await fetchUrl(`https://${tenant.host}${PATH}`, { method: "POST", body: "{}" });
    expect(post.status).toBe(404);
    expect(post.headers.get("Allow")).toBeNull();
  });

  it("is not served when only the other profile is enabled", async () => {
    const tenant = await profileTenant(["customer-account-orders"]);
    const response = await customerGet(tenant, PATH, await customerToken(tenant, "1"), {
      "X-STOREFRONT-KEY": STOREFRONT_KEY,
    });
    expect(await errorOf(response)).toEqual({ status: 404, error: "not_found" });
  });

  it("leaves the path to the store's origin when the profile is off, and serves it once enabled", async () => {
    const tenant = await profileTenant([]);
    await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
      .bind("https://origin.example", tenant.id)
      .run();
    await setTenantSettings(tenant, { storefront_key: STOREFRONT_KEY });
    const asked = mockOrigin(
      () => new Response('["from the store"]', { headers: { "Content-Type": "application/json" } }),
    );
    const token = await customerToken(tenant, "1");
    const headers = { "X-STOREFRONT-KEY": STOREFRONT_KEY };

    const proxied = await customerGet(tenant, PATH, token, headers);
    expect(await proxied.json()).toEqual(["from the store"]);
    expect(asked).toEqual([`https://origin.example${PATH}`]);

    await setTenantSettings(tenant, { storefront_key: STOREFRONT_KEY, profiles: [PROFILE] });
    const served = await customerGet(tenant, PATH, token, headers);
    expect(await served.json()).toEqual([]);
    expect(asked).toHaveLength(1);
  });
});
