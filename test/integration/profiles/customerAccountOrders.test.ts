/**
 * Seed 002 (`customer-account-orders`): `GET /api/v2/customer-account-orders?id=<access key>`,
 * no login, the seed's snake_case order shape over the core model; unknown ids are 404 and
 * lookups are rate limited per client address.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type {
  AccountAsset as Asset,
  AccountOrder,
} from "../../../src/profiles/customerAccountOrders/customerAccountOrdersView.ts";
import { fileBytes, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  errorOf,
  fetchUrl,
  placeOrder,
  setTenantSettings,
  tokenOf,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../../helpers/issuer.ts";
import {
  downloadAndMirror,
  freshClientIp,
  insertListedFile,
  keysOf,
  mockOrigin,
  profileTenant,
  setLinkFigures,
} from "../../helpers/profiles.ts";
import { withinOneRateWindow } from "../../helpers/rateWindow.ts";

const PATH = "/api/v2/customer-account-orders";
const PROFILE = "customer-account-orders" as const;
const MiB = 1024 * 1024;

afterEach(() => vi.restoreAllMocks());

/** A lookup as the store's account page makes it: no credentials, only the id. */
function lookup(tenant: IssuerTenant, id: string | null, ip = freshClientIp(), init: RequestInit = {}) {
  const query = id === null ? "" : `?id=${encodeURIComponent(id)}`;
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", ip);
  return fetchUrl(`https://${tenant.host}${PATH}${query}`, { ...init, headers });
}

async function accountOrder(tenant: IssuerTenant, accessKey: string): Promise<AccountOrder> {
  const response = await lookup(tenant, accessKey);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`lookup answered ${response.status}: ${text}`);
  expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  return JSON.parse(text) as AccountOrder;
}

function firstAsset(body: AccountOrder): Asset {
  const asset = body.order.lines[0]?.assets[0];
  if (!asset) throw new Error("no asset");
  return asset;
}

/**
 * The seed's own example order 1050: "My new Book" as a paper back (a 10MB link asset,
 * 5 of 10 downloads used) and a hard back (a 20MB asset, 0 of 10).
 */
async function seedExampleOrder(tenant: IssuerTenant): Promise<{ order: OrderView; book: string; part2: string }> {
  const book = await insertListedFile(tenant, { name: "My new book", size: 10 * MiB, source: "url" });
  const part2 = await insertListedFile(tenant, { name: "My new book - part 2", size: 20 * MiB, source: "url" });
  const product = { id: 123456, name: "My new Book", sku: "my-sku", vendor: "my-store" };
  const order = await placeOrder(tenant, {
    order_number: "1050",
    customer_id: "customer-1",
    items: [
      {
        product: { ...product, variant_name: "Paper back", tags: ["books", "paper-books"] },
        file_ids: [book],
        grant: { download_limit: 10 },
      },
      {
        product: { ...product, variant_name: "Hard back", tags: ["books", "hardback-books"] },
        file_ids: [part2],
        grant: { download_limit: 10 },
      },
    ],
  });
  const paperBackLink = order.items[0]?.files[0]?.link_id as string;
  await setLinkFigures(tenant.id, paperBackLink, { download_count: 5 });
  return { order, book, part2 };
}

const gatewayUrl = (tenant: IssuerTenant) =>
  expect.stringMatching(new RegExp(`^https://${tenant.host}/api/${tenant.id}/downloads/[^/]+$`));

describe("seed 002 shape: GET /api/v2/customer-account-orders?id=", () => {
  it("answers the seed's example order with every field, type and nesting of the seed", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { order, book, part2 } = await seedExampleOrder(tenant);
    const body = await accountOrder(tenant, order.access_key);

    expect(body).toEqual({
      order: {
        order_number: 1050,
        lines: [
          {
            product: {
              id: order.items[0]?.id,
              name: "My new Book",
              variant_name: "Paper back",
              sku: "my-sku",
              product_id: 123456,
              variant_id: null,
              vendor: "my-store",
              tags: ["books", "paper-books"],
            },
            assets: [
              {
                limits: { downloaded: 5, limit: 10 },
                data: {
                  id: book,
                  filename: "My new book",
                  size: "10MB",
                  is_file: false,
                  is_link: true,
                  url: gatewayUrl(tenant),
                },
              },
            ],
          },
          {
            product: {
              id: order.items[1]?.id,
              name: "My new Book",
              variant_name: "Hard back",
              sku: "my-sku",
              product_id: 123456,
              variant_id: null,
              vendor: "my-store",
              tags: ["books", "hardback-books"],
            },
            assets: [
              {
                limits: { downloaded: 0, limit: 10 },
                data: {
                  id: part2,
                  filename: "My new book - part 2",
                  size: "20MB",
                  is_file: false,
                  is_link: true,
                  url: gatewayUrl(tenant),
                },
              },
            ],
          },
        ],
        // Every asset of the core model belongs to a line.
        assets: [],
      },
      text: { title: "Download files for your orders", text: null },
    });
  });

  it("has exactly the seed's keys at every level", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { order } = await seedExampleOrder(tenant);
    const body = await accountOrder(tenant, order.access_key);
    expect(keysOf(body)).toEqual(["order", "text"]);
    expect(keysOf(body.order)).toEqual(["assets", "lines", "order_number"]);
    expect(keysOf(body.text)).toEqual(["text", "title"]);
    for (const line of body.order.lines) {
      expect(keysOf(line)).toEqual(["assets", "product"]);
      expect(keysOf(line.product)).toEqual(
        ["id", "name", "variant_name", "sku", "product_id", "variant_id", "vendor", "tags"].sort(),
      );
      for (const asset of line.assets) {
        expect(keysOf(asset)).toEqual(["data", "limits"]);
        expect(keysOf(asset.limits)).toEqual(["downloaded", "limit"]);
        expect(keysOf(asset.data)).toEqual(["filename", "id", "is_file", "is_link", "size", "url"]);
      }
    }
  });

  it("marks an uploaded file is_file and a pull-through file is_link, both with gateway URLs that never show the origin", async () => {
    const tenant = await profileTenant([PROFILE]);
    const uploaded = await uploadFile(tenant, { name: "book.pdf", size: 1536 });
    const fileId = uid("f");
    expect(
      (
        await admin(tenant, "POST", `/files/${fileId}`, {
          json: { source_url: "https://origin.example/secret/path/book-audio.mp3" },
        })
      ).status,
    ).toBe(201);
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: [{ product: { id: "p", name: "Book" }, file_ids: [uploaded.id, fileId] }],
    });
    const body = await accountOrder(tenant, order.access_key);
    const assets = body.order.lines[0]?.assets ?? [];
    const byId = new Map(assets.map((a) => [a.data.id, a.data]));
    expect(byId.get(uploaded.id)).toEqual({
      id: uploaded.id,
      filename: "book.pdf",
      size: "1.5KB",
      is_file: true,
      is_link: false,
      url: gatewayUrl(tenant),
    });
    // Size unknown until the first download pulls the file into R2.
    expect(byId.get(fileId)).toEqual({
      id: fileId,
      filename: "book-audio.mp3",
      size: null,
      is_file: false,
      is_link: true,
      url: gatewayUrl(tenant),
    });
    expect(JSON.stringify(body)).not.toContain("origin.example");
    for (const asset of assets) {
      const { claims } = tokenOf(asset.data.url as string);
      expect(claims.fid).toBe(asset.data.id);
      expect(claims.ord).toBe(order.order_number);
    }
  });

  it("prints sizes the seed's way: binary units, no space, at most one decimal", async () => {
    const tenant = await profileTenant([PROFILE]);
    const sizes: [number, string][] = [
      [0, "0B"],
      [1000, "1000B"],
      [1024, "1KB"],
      [1536, "1.5KB"],
      [10 * MiB, "10MB"],
      [20 * MiB, "20MB"],
      [Math.round(2.25 * 1024 * MiB), "2.3GB"],
      [1024 * MiB - 1, "1GB"],
    ];
    const ids: string[] = [];
    for (const [size] of sizes) ids.push(await insertListedFile(tenant, { name: `s${size}.bin`, size }));
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: ids.map((id) => ({ product: { id, name: id }, file_ids: [id] })),
    });
    const body = await accountOrder(tenant, order.access_key);
    const printed = new Map(body.order.lines.map((l) => [l.assets[0]?.data.id, l.assets[0]?.data.size]));
    sizes.forEach(([, text], i) => expect(printed.get(ids[i])).toBe(text));
  });

  it("shows the tenant's own account_text block", async () => {
    const tenant = await profileTenant([PROFILE], {
      account_text: { title: "Your downloads", text: "Links work for 30 days." },
    });
    const { order } = await seedExampleOrder(tenant);
    expect((await accountOrder(tenant, order.access_key)).text).toEqual({
      title: "Your downloads",
      text: "Links work for 30 days.",
    });
  });

  it("keeps non-numeric order numbers and product ids as strings, and an unlimited link's limit null", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await insertListedFile(tenant, { name: "a.pdf", size: 10 });
    const order = await placeOrder(tenant, {
      order_number: "WEB-1050",
      customer_id: "c",
      items: [{ product: { id: "gid-abc", name: "A" }, file_ids: [file] }],
    });
    const body = await accountOrder(tenant, order.access_key);
    expect(body.order.order_number).toBe("WEB-1050");
    expect(body.order.lines[0]?.product.product_id).toBe("gid-abc");
    expect(body.order.lines[0]?.product.sku).toBeNull();
    expect(body.order.lines[0]?.product.tags).toEqual([]);
    expect(firstAsset(body).limits).toEqual({ downloaded: 0, limit: null });
  });
});

describe("seed 002 counts, limits and expiry through the profile", () => {
  it("counts a download of the listed url: limits.downloaded follows once the link's alarm mirrors it", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant, { name: "book.pdf" });
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: [{ product: { id: "1", name: "Book" }, file_ids: [file.id], grant: { download_limit: 2 } }],
    });
    const url = firstAsset(await accountOrder(tenant, order.access_key)).data.url as string;

    const download = await fetchUrl(url);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(file.bytes);
    // A HEAD is logged (which schedules the mirror) but never counted.
    expect(await downloadAndMirror(tenant.id, url, { method: "HEAD" })).toBe(200);
    const afterOne = firstAsset(await accountOrder(tenant, order.access_key));
    expect(afterOne.limits).toEqual({ downloaded: 1, limit: 2 });
    expect(afterOne.data.url).toEqual(gatewayUrl(tenant));

    expect(await downloadAndMirror(tenant.id, url)).toBe(200);
    const used = firstAsset(await accountOrder(tenant, order.access_key));
    expect(used.limits).toEqual({ downloaded: 2, limit: 2 });
    // Used up: no URL is minted, and the download path refuses the old one.
    expect(used.data.url).toBeNull();
    expect(await errorOf(await fetchUrl(url))).toEqual({ status: 403, error: "limit_reached" });
  });

  it("serves and counts a link asset through its gateway url by pulling it from the origin", async () => {
    const tenant = await profileTenant([PROFILE]);
    const fileId = uid("f");
    await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: "https://origin.example/f/book.pdf" } });
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: [{ product: { id: "1", name: "Book" }, file_ids: [fileId], grant: { download_limit: 10 } }],
    });
    const url = firstAsset(await accountOrder(tenant, order.access_key)).data.url as string;
    const bytes = fileBytes(10 * 1024, 3);
    mockOrigin(() => new Response(bytes, { headers: { "Content-Length": String(bytes.byteLength) } }));
    expect(await downloadAndMirror(tenant.id, url)).toBe(200);
    const after = firstAsset(await accountOrder(tenant, order.access_key));
    expect(after.limits).toEqual({ downloaded: 1, limit: 10 });
    expect(after.data.size).toBe("10KB");
  });

  it("shows a pending order's assets with their limits but no url, and mints one once it is completed", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      status: "pending",
      items: [{ product: { id: "1", name: "Book" }, file_ids: [file.id], grant: { download_limit: 3 } }],
    });
    const pending = firstAsset(await accountOrder(tenant, order.access_key));
    expect(pending).toMatchObject({ limits: { downloaded: 0, limit: 3 }, data: { url: null } });
    await admin(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect(firstAsset(await accountOrder(tenant, order.access_key)).data.url).toEqual(gatewayUrl(tenant));
  });

  it("gives an expired or revoked asset no url", async () => {
    const tenant = await profileTenant([PROFILE]);
    const file = await uploadFile(tenant);
    const expired = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: [
        { product: { id: "1", name: "Book" }, file_ids: [file.id], grant: { expires_at: "2026-01-01T00:00:00Z" } },
      ],
    });
    expect(firstAsset(await accountOrder(tenant, expired.access_key)).data.url).toBeNull();

    const canceled = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "c",
      items: [{ product: { id: "1", name: "Book" }, file_ids: [file.id] }],
    });
    await admin(tenant, "POST", `/orders/${canceled.order_number}/cancel`);
    expect(firstAsset(await accountOrder(tenant, canceled.access_key)).data.url).toBeNull();
  });
});

describe("seed 002 lookups by unguessable id", () => {
  it("answers 404 not_found for an unknown, guessed or malformed id", async () => {
    const tenant = await profileTenant([PROFILE]);
    await seedExampleOrder(tenant);
    for (const id of ["0c732eb6fd9802a0821a9d29888baee8", "1050", "x".repeat(129), "a b c", "../../etc"]) {
      expect(await errorOf(await lookup(tenant, id)), id).toEqual({ status: 404, error: "not_found" });
    }
  });

  it("answers 400 bad_request naming `id` when it is missing", async () => {
    const tenant = await profileTenant([PROFILE]);
    for (const id of [null, ""]) {
      const response = await lookup(tenant, id);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; details: { path: string }[] };
      expect(body.error).toBe("bad_request");
      expect(body.details.map((d) => d.path)).toContain("id");
    }
  });

  it("never answers another store's order: the access key is scoped to the tenant of the host", async () => {
    const shopA = await profileTenant([PROFILE]);
    const shopB = await profileTenant([PROFILE]);
    const { order } = await seedExampleOrder(shopA);
    expect(await errorOf(await lookup(shopB, order.access_key))).toEqual({ status: 404, error: "not_found" });
  });

  it("rate limits lookups per client address: after 20 in a minute, 429 with Retry-After, even for a real id", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { order } = await seedExampleOrder(tenant);
    const guesser = freshClientIp();
    await withinOneRateWindow(60);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const guess = crypto.randomUUID().replace(/-/g, "");
      statuses.push((await lookup(tenant, guess, guesser)).status);
    }
    expect(statuses).toEqual(Array(20).fill(404));

    const limited = await lookup(tenant, crypto.randomUUID().replace(/-/g, ""), guesser);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await errorOf(limited)).toEqual({ status: 429, error: "rate_limited" });
    // A correct guess past the limit learns nothing either.
    const hit = await lookup(tenant, order.access_key, guesser);
    expect(await errorOf(hit)).toEqual({ status: 429, error: "rate_limited" });
    expect(hit.headers.get("Retry-After")).toBe("60");

    // Another address is not affected.
    expect((await lookup(tenant, order.access_key, freshClientIp())).status).toBe(200);
  });

  it("shares its budget with the hosted order page: both look up the same access keys", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { order } = await seedExampleOrder(tenant);
    const guesser = freshClientIp();
    await withinOneRateWindow(60);
    for (let i = 0; i < 20; i++) {
      const guess = crypto.randomUUID().replace(/-/g, "");
      const page = await fetchUrl(`https://${tenant.host}/o/${guess}`, { headers: { "CF-Connecting-IP": guesser } });
      expect(page.status).toBe(404);
    }
    // The other door is closed to this address too.
    expect(await errorOf(await lookup(tenant, order.access_key, guesser))).toEqual({
      status: 429,
      error: "rate_limited",
    });
  });
});

describe("seed 002 is read-only and per tenant", () => {
  it("answers 405 method_not_allowed with Allow: GET to every other method", async () => {
    const tenant = await profileTenant([PROFILE]);
    const { order } = await seedExampleOrder(tenant);
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "HEAD"]) {
      const response = await lookup(tenant, order.access_key, freshClientIp(), {
        method,
        body: method === "POST" || method === "PUT" || method === "PATCH" ? "{}" : undefined,
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get("Allow"), method).toBe("GET");
      if (method !== "HEAD") expect((await errorOf(response)).error).toBe("method_not_allowed");
    }
  });

  it("is not served when the tenant has not enabled the profile: 404 without an origin, even for a real id", async () => {
    const tenant = await profileTenant(["customer-downloadable-products"]);
    const { order } = await seedExampleOrder(tenant);
    expect(await errorOf(await lookup(tenant, order.access_key))).toEqual({ status: 404, error: "not_found" });
    const post = await lookup(tenant, order.access_key, freshClientIp(), { method: "POST", body: "{}" });
    expect(post.status).toBe(404);
    expect(post.headers.get("Allow")).toBeNull();

    await setTenantSettings(tenant, { profiles: [PROFILE] });
    expect((await lookup(tenant, order.access_key)).status).toBe(200);
  });

  it("leaves the path to the store's origin when the profile is off", async () => {
    const tenant = await profileTenant([]);
    await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
      .bind("https://origin.example", tenant.id)
      .run();
    await setTenantSettings(tenant, {});
    const asked = mockOrigin(() => new Response("store page"));
    const response = await lookup(tenant, "0c732eb6fd9802a0821a9d29888baee8");
    expect(await response.text()).toBe("store page");
    expect(asked).toEqual([`https://origin.example${PATH}?id=0c732eb6fd9802a0821a9d29888baee8`]);
  });
});
