/**
 * `/admin/v1/orders`: creation (whole or not at all, idempotent on the order number),
 * reading, pending → complete, cancel; the signed URLs each answer carries, and the rows
 * and Durable Object state each call leaves behind.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { sign, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  adminDirect,
  bodyBytes,
  createTenantWithAdminKey,
  errorOf,
  expectError,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  orderFiles,
  orderRow,
  placeOrder,
  retireEveryKey,
  rowCount,
  setTenantSettings,
  tokenOf,
  uploadFile,
  type OrderView,
} from "../../helpers/issuer.ts";

async function rowsOf(tenantId: string, orderNumber: string) {
  return {
    orders: await rowCount("orders", tenantId, orderNumber),
    items: await rowCount("order_items", tenantId, orderNumber),
    links: await rowCount("links", tenantId, orderNumber),
  };
}

describe("POST /admin/v1/orders", () => {
  it("creates the order, its items and one link per item × file, each with a working signed URL", async () => {
    const tenant = await createTenantWithAdminKey();
    const book = await uploadFile(tenant, { name: "book.pdf", size: 1500 });
    const audio = await uploadFile(tenant, { name: "audio.mp3", size: 700 });
    const bonus = await uploadFile(tenant, { name: "bonus.zip", size: 300 });
    const orderNumber = uid("ORD");
    const answer = await admin<OrderView>(tenant, "POST", "/orders", {
      json: {
        order_number: orderNumber,
        customer_id: "cust-42",
        purchased_at: "2030-01-02T03:04:05Z",
        items: [
          {
            product: {
              id: 1001,
              name: "The Book",
              slug: "the-book",
              variant_name: "Deluxe",
              sku: "BK-1",
              vendor: "Press",
              tags: ["ebook", "audio"],
            },
            file_ids: [book.id, audio.id],
            grant: {
              download_limit: 3,
              expires_in_days: 30,
              ip_restriction: ["203.0.113.0/24"],
              device_limit: 2,
              require_login: true,
            },
          },
          { product: { id: "bonus", name: "Bonus" }, file_ids: [bonus.id] },
        ],
      },
    });
    expect(answer.status).toBe(201);
    const purchasedAt = Date.parse("2030-01-02T03:04:05Z") / 1000;
    const expiresAt = new Date((purchasedAt + 30 * 86400) * 1000).toISOString();
    const fileEntry = (id: string, name: string, size: number, limit: number | null, expires: string | null) => ({
      id,
      name,
      size,
      link_id: expect.stringMatching(/^l_[A-Za-z0-9_-]{20}$/),
      download_url: expect.stringMatching(
        new RegExp(`^https://${tenant.host}/api/${tenant.id}/downloads/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
      ),
      download_count: 0,
      download_limit: limit,
      remaining_downloads: limit,
      expires_at: expires,
      is_expired: false,
      status: "available",
    });
    const sortedIds = (ids: string[]) => [...ids].sort();
    const [firstId, secondId] = sortedIds([book.id, audio.id]) as [string, string];
    const nameOf = (id: string) => (id === book.id ? "book.pdf" : "audio.mp3");
    const sizeOf = (id: string) => (id === book.id ? 1500 : 700);
    expect(answer.body).toEqual({
      order_number: orderNumber,
      customer_id: "cust-42",
      status: "complete",
      hold: null,
      purchased_at: "2030-01-02T03:04:05.000Z",
      access_key: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      items: [
        {
          id: expect.stringMatching(/^i_/),
          product: {
            id: "1001",
            name: "The Book",
            slug: "the-book",
            variant_name: "Deluxe",
            sku: "BK-1",
            vendor: "Press",
            tags: ["ebook", "audio"],
          },
          files: [
            fileEntry(firstId, nameOf(firstId), sizeOf(firstId), 3, expiresAt),
            fileEntry(secondId, nameOf(secondId), sizeOf(secondId), 3, expiresAt),
          ],
        },
        {
          id: expect.stringMatching(/^i_/),
          product: { id: "bonus", name: "Bonus", slug: null, variant_name: null, sku: null, vendor: null, tags: [] },
          files: [fileEntry(bonus.id, "bonus.zip", 300, null, null)],
        },
      ],
    });

    // D1: one order, two items, three links carrying the grant.
    expect(await rowsOf(tenant.id, orderNumber)).toEqual({ orders: 1, items: 2, links: 3 });
    expect(await orderRow(tenant.id, orderNumber)).toMatchObject({
      customer_id: "cust-42",
      status: "complete",
      purchased_at: purchasedAt,
      access_key: answer.body.access_key,
    });
    const [bookEntry] = orderFiles(answer.body).filter((f) => f.id === book.id);
    expect(await linkRow(tenant.id, bookEntry?.link_id as string)).toMatchObject({
      order_number: orderNumber,
      item_id: answer.body.items[0]?.id,
      file_id: book.id,
      customer_id: "cust-42",
      download_limit: 3,
      expires_at: purchasedAt + 30 * 86400,
      ip_restriction: JSON.stringify(["203.0.113.0/24"]),
      device_limit: 2,
      require_login: 1,
      revoked: 0,
      download_count: 0,
    });
    const bonusEntry = answer.body.items[1]?.files[0];
    expect(await linkRow(tenant.id, bonusEntry?.link_id as string)).toMatchObject({
      download_limit: null,
      expires_at: null,
      ip_restriction: null,
      device_limit: null,
      require_login: 0,
    });

    // The URL's token carries the grant as claims, signed with the tenant's k1.
    const { header, claims } = tokenOf(bookEntry?.download_url as string);
    expect(header).toMatchObject({ alg: "HS256", kid: "k1" });
    expect(claims).toMatchObject({
      iss: tenant.id,
      lid: bookEntry?.link_id,
      fid: book.id,
      sub: "cust-42",
      ord: orderNumber,
      lim: 3,
      exp: purchasedAt + 30 * 86400,
      ips: ["203.0.113.0/24"],
      dev: 2,
      auth: true,
      fn: "book.pdf",
    });
    const bonusClaims = tokenOf(bonusEntry?.download_url as string).claims;
    expect(bonusClaims).not.toHaveProperty("lim");
    expect(bonusClaims).not.toHaveProperty("exp");
    expect(bonusClaims).not.toHaveProperty("auth");

    // And it downloads the file (the bonus link has no restrictions).
    const download = await fetchUrl(bonusEntry?.download_url as string);
    expect(download.status).toBe(200);
    expect(await bodyBytes(download)).toEqual(bonus.bytes);
    expect((await linkStub(env, tenant.id, bonusEntry?.link_id as string).snapshot()).count).toBe(1);
  });

  it("defaults status to complete and purchased_at to now, and honours an absolute expires_at", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const before = Math.floor(Date.now() / 1000);
    const order = await placeOrder(tenant, orderBody([file.id], {}, { expires_at: "2031-05-06T07:08:09+02:00" }));
    const after = Math.floor(Date.now() / 1000);
    expect(order.status).toBe("complete");
    const purchased = Date.parse(order.purchased_at) / 1000;
    expect(purchased).toBeGreaterThanOrEqual(before);
    expect(purchased).toBeLessThanOrEqual(after);
    expect(firstFile(order).expires_at).toBe("2031-05-06T05:08:09.000Z");
    expect(tokenOf(firstFile(order).download_url as string).claims.exp).toBe(Date.parse("2031-05-06T05:08:09Z") / 1000);
  });

  it("points minted URLs at the tenant's public_url when it has one", async () => {
    const tenant = await createTenantWithAdminKey();
    await setTenantSettings(tenant, { public_url: "https://downloads.shop.example/" });
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    expect(firstFile(order).download_url).toMatch(
      /^https:\/\/downloads\.shop\.example\/downloads\/[\w-]+\.[\w-]+\.[\w-]+$/,
    );
  });

  it("refuses to retire the last active HS256 key with 409, and it keeps signing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    expectError(await admin(tenant, "DELETE", "/keys/k1"), 409, "conflict");
    expectError(await admin(tenant, "DELETE", "/keys/nope"), 404, "not_found");
    const order = await placeOrder(tenant, orderBody([file.id]));
    expect(tokenOf(firstFile(order).download_url as string).header.kid).toBe("k1");
    // With a successor, the same retirement goes through, and two at once leave one key.
    expect((await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } })).status).toBe(201);
    const both = await Promise.all([admin(tenant, "DELETE", "/keys/k1"), admin(tenant, "DELETE", "/keys/k2")]);
    expect(both.map((a) => a.status).sort()).toEqual([200, 409]);
    const keys = await admin<{ data: { status: string }[] }>(tenant, "GET", "/keys");
    expect(keys.body.data.filter((k) => k.status === "active")).toHaveLength(1);
  });

  it("signs with the newest active HS256 key once k1 is retired", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    expect((await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } })).status).toBe(201);
    expect((await admin(tenant, "DELETE", "/keys/k1")).status).toBe(200);
    const order = await placeOrder(tenant, orderBody([file.id]));
    expect(tokenOf(firstFile(order).download_url as string).header.kid).toBe("k2");
    expect((await fetchUrl(firstFile(order).download_url as string)).status).toBe(200);
  });

  it("refuses an order when the tenant has no HS256 key to sign with, and writes nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    // The API refuses to retire the last one (keys.test.ts); a tenant can still have none
    // (only Ed25519 keys, or rows changed in D1 by hand).
    await retireEveryKey(tenant.id);
    const body = orderBody([file.id]);
    expectError(await admin(tenant, "POST", "/orders", { json: body }), 400, "bad_request");
    expect(await rowsOf(tenant.id, body.order_number as string)).toEqual({ orders: 0, items: 0, links: 0 });
  });

  it("is idempotent on the order number: a repeat answers 200 with the same order and changes nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const other = await uploadFile(tenant);
    const body = orderBody([file.id], {}, { download_limit: 2 });
    const first = await placeOrder(tenant, body);
    const repeat = await admin<OrderView>(tenant, "POST", "/orders", { json: body });
    expect(repeat.status).toBe(200);
    const withoutUrls = (o: OrderView) =>
      JSON.parse(JSON.stringify(o, (k, v: unknown) => (k === "download_url" ? "<url>" : v))) as unknown;
    expect(withoutUrls(repeat.body)).toEqual(withoutUrls(first));
    expect((await fetchUrl(firstFile(repeat.body).download_url as string)).status).toBe(200);

    // The same number for another order is a conflict that shows nothing of the stored one.
    const changed = await admin(tenant, "POST", "/orders", {
      json: {
        ...body,
        customer_id: "someone-else",
        items: [{ product: { id: "x", name: "X" }, file_ids: [other.id] }],
      },
    });
    expectError(changed, 409, "conflict");
    expect(Object.keys(changed.body).sort()).toEqual(["details", "error", "message"]);
    expect(JSON.stringify(changed.body)).not.toMatch(/downloads\/|cust-1|l_/);
    expect(await rowsOf(tenant.id, body.order_number as string)).toEqual({ orders: 1, items: 1, links: 1 });
  });

  it("stays idempotent under concurrent creation: one 201, the rest 200, one set of rows", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const body = orderBody([file.id]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => adminDirect<OrderView>(tenant, "POST", "/orders", { json: body })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const linkIds = new Set(answers.map((a) => firstFile(a.body).link_id));
    expect(linkIds.size).toBe(1);
    expect(await rowsOf(tenant.id, body.order_number as string)).toEqual({ orders: 1, items: 1, links: 1 });
  });

  it("keeps the same order number apart per tenant", async () => {
    const a = await createTenantWithAdminKey();
    const b = await createTenantWithAdminKey();
    const fileA = await uploadFile(a);
    const fileB = await uploadFile(b);
    const number = uid("SHARED");
    const orderA = await placeOrder(a, orderBody([fileA.id], { order_number: number, customer_id: "ca" }));
    const orderB = await placeOrder(b, orderBody([fileB.id], { order_number: number, customer_id: "cb" }));
    expect(orderA.customer_id).toBe("ca");
    expect(orderB.customer_id).toBe("cb");
    expect((await admin<OrderView>(a, "GET", `/orders/${number}`)).body.customer_id).toBe("ca");
  });

  const file = "file-x";
  const item = { product: { id: "p", name: "P" }, file_ids: [file] };
  it.each([
    ["no order_number", { customer_id: "c", items: [item] }, ["order_number"]],
    ["an order_number with '/'", { order_number: "a/b", customer_id: "c", items: [item] }, ["order_number"]],
    ["an order_number with a space", { order_number: "a b", customer_id: "c", items: [item] }, ["order_number"]],
    ["an order_number over 64", { order_number: "n".repeat(65), customer_id: "c", items: [item] }, ["order_number"]],
    ["no customer_id", { order_number: "n1", items: [item] }, ["customer_id"]],
    ["an empty customer_id", { order_number: "n1", customer_id: "", items: [item] }, ["customer_id"]],
    ["status canceled", { order_number: "n1", customer_id: "c", status: "canceled", items: [item] }, ["status"]],
    [
      "a purchased_at that is no date",
      { order_number: "n1", customer_id: "c", purchased_at: "yesterday", items: [item] },
      ["purchased_at"],
    ],
    ["no items", { order_number: "n1", customer_id: "c", items: [] }, ["items"]],
    [
      "an item without files",
      { order_number: "n1", customer_id: "c", items: [{ ...item, file_ids: [] }] },
      ["items.0.file_ids"],
    ],
    [
      "a bad file id",
      { order_number: "n1", customer_id: "c", items: [{ ...item, file_ids: ["a.b"] }] },
      ["items.0.file_ids.0"],
    ],
    [
      "a product without name",
      { order_number: "n1", customer_id: "c", items: [{ ...item, product: { id: "p" } }] },
      ["items.0.product.name"],
    ],
    [
      "a product id that is an object",
      { order_number: "n1", customer_id: "c", items: [{ ...item, product: { id: {}, name: "P" } }] },
      ["items.0.product.id"],
    ],
    [
      "a download_limit of 0",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { download_limit: 0 } }] },
      ["items.0.grant.download_limit"],
    ],
    [
      "a fractional download_limit",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { download_limit: 1.5 } }] },
      ["items.0.grant.download_limit"],
    ],
    [
      "expires_at and expires_in_days together",
      {
        order_number: "n1",
        customer_id: "c",
        items: [{ ...item, grant: { expires_at: "2031-01-01T00:00:00Z", expires_in_days: 3 } }],
      },
      ["items.0.grant.expires_at"],
    ],
    [
      "expires_in_days of 0",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { expires_in_days: 0 } }] },
      ["items.0.grant.expires_in_days"],
    ],
    [
      "an ip_restriction that is no address",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { ip_restriction: ["999.1.1.1"] } }] },
      ["items.0.grant.ip_restriction.0"],
    ],
    [
      "an empty ip_restriction",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { ip_restriction: [] } }] },
      ["items.0.grant.ip_restriction"],
    ],
    [
      "a device_limit of 0",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { device_limit: 0 } }] },
      ["items.0.grant.device_limit"],
    ],
    [
      // 11 items × 50 files: cancel and hold must reach every link's object within one request.
      "more than 500 links (items × files)",
      {
        order_number: "n1",
        customer_id: "c",
        items: Array.from({ length: 11 }, (_, i) => ({
          product: { id: `p${i}`, name: "P" },
          file_ids: Array.from({ length: 50 }, (_, j) => `f-${i}-${j}`),
        })),
      },
      ["items"],
    ],
    [
      "require_login that is no boolean",
      { order_number: "n1", customer_id: "c", items: [{ ...item, grant: { require_login: "yes" } }] },
      ["items.0.grant.require_login"],
    ],
  ])("refuses %s with 400 naming the field, writing nothing", async (_label, body, paths) => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: file });
    expectError(await admin(tenant, "POST", "/orders", { json: body }), 400, "bad_request", paths);
    expect(await rowCount("orders", tenant.id)).toBe(0);
    expect(await rowCount("links", tenant.id)).toBe(0);
  });

  it("names every unknown file id and writes nothing (not even the known ones)", async () => {
    const tenant = await createTenantWithAdminKey();
    const known = await uploadFile(tenant);
    const body = {
      order_number: uid("ORD"),
      customer_id: "c",
      items: [
        { product: { id: "a", name: "A" }, file_ids: [known.id, "missing-1"] },
        { product: { id: "b", name: "B" }, file_ids: ["missing-2"] },
      ],
    };
    const answer = await admin<{ details: { path: string; message: string }[] }>(tenant, "POST", "/orders", {
      json: body,
    });
    expectError(answer, 400, "bad_request", ["items.0.file_ids.1", "items.1.file_ids.0"]);
    expect(answer.body.details.map((d) => d.path)).not.toContain("items.0.file_ids.0");
    expect(await rowsOf(tenant.id, body.order_number)).toEqual({ orders: 0, items: 0, links: 0 });
  });

  it("refuses a body that is not JSON (400) and one over 1 MiB (413), with or without Content-Length", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(
      await admin(tenant, "POST", "/orders", { body: "{oops", headers: { "Content-Type": "application/json" } }),
      400,
      "bad_request",
      [""],
    );
    const file = await uploadFile(tenant);
    const big = orderBody([file.id], { customer_id: "c".repeat(200) });
    (big as { padding?: string }).padding = "x".repeat(1024 * 1024);
    const text = JSON.stringify(big);
    expectError(await admin(tenant, "POST", "/orders", { body: text }), 413, "payload_too_large");
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.byteLength; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    expectError(await admin(tenant, "POST", "/orders", { body: chunked }), 413, "payload_too_large");
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });
});

describe("GET /admin/v1/orders/:orderNumber", () => {
  it("answers the order with freshly signed URLs that download", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const created = await placeOrder(tenant, orderBody([file.id], { order_number: `${uid("A")}.x~y_z` }));
    const answer = await admin<OrderView>(tenant, "GET", `/orders/${encodeURIComponent(created.order_number)}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      order_number: created.order_number,
      status: "complete",
      access_key: created.access_key,
    });
    const response = await fetchUrl(firstFile(answer.body).download_url as string);
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(file.bytes);
  });

  it("answers 404 for an unknown order", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "GET", "/orders/nope"), 404, "not_found");
  });
});

describe("pending orders", () => {
  it("creates links that refuse downloads with 403 pending, until POST …/complete opens them", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { status: "pending" }, { download_limit: 2 }));
    const entry = firstFile(order);
    expect(order.status).toBe("pending");
    expect(entry).toMatchObject({ status: "pending", download_url: null, download_limit: 2, remaining_downloads: 2 });
    expect(await orderRow(tenant.id, order.order_number)).toMatchObject({ status: "pending" });
    // "pending" lives in D1 only: the order call created no link object (doPlacement.test.ts).

    // Even a URL minted for the link (POST /links/:id/url) does not open before payment.
    const fresh = await admin<{ download_url: string }>(tenant, "POST", `/links/${entry.link_id}/url`);
    expect(fresh.status).toBe(200);
    expect(await errorOf(await fetchUrl(fresh.body.download_url))).toEqual({ status: 403, error: "pending" });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(0);

    const completed = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe("complete");
    expect(firstFile(completed.body)).toMatchObject({
      link_id: entry.link_id,
      status: "available",
      download_url: expect.stringContaining("/downloads/"),
    });
    expect(await orderRow(tenant.id, order.order_number)).toMatchObject({ status: "complete" });

    const response = await fetchUrl(fresh.body.download_url);
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(file.bytes);
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(1);

    // Completing again changes nothing.
    const again = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("complete");
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(1);
  });

  it("answers 404 when completing an unknown order", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "POST", "/orders/nope/complete"), 404, "not_found");
  });
});

describe("POST /admin/v1/orders/:orderNumber/cancel", () => {
  it("revokes every link of the order: downloads answer 410 revoked and count nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const one = await uploadFile(tenant);
    const two = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([one.id, two.id], {}, { download_limit: 5 }));
    const [a, b] = orderFiles(order) as [(typeof order.items)[0]["files"][0], (typeof order.items)[0]["files"][0]];
    expect((await fetchUrl(a.download_url as string)).status).toBe(200);

    const canceled = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    for (const f of orderFiles(canceled.body)) expect(f).toMatchObject({ status: "revoked", download_url: null });
    expect(await orderRow(tenant.id, order.order_number)).toMatchObject({ status: "canceled" });
    for (const entry of [a, b]) {
      expect(await linkRow(tenant.id, entry.link_id)).toMatchObject({ revoked: 1 });
      expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).revoked).toBe(true);
      expect(await errorOf(await fetchUrl(entry.download_url as string))).toEqual({ status: 410, error: "revoked" });
    }
    expect((await linkStub(env, tenant.id, a.link_id).snapshot()).count).toBe(1);
    expect((await linkStub(env, tenant.id, b.link_id).snapshot()).count).toBe(0);
  });

  it("cancels a pending order; it can then not be completed (400) and never opens", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { status: "pending" }));
    const entry = firstFile(order);
    expect((await admin(tenant, "POST", `/orders/${order.order_number}/cancel`)).status).toBe(200);
    expectError(await admin(tenant, "POST", `/orders/${order.order_number}/complete`), 400, "bad_request", ["status"]);
    expect(await orderRow(tenant.id, order.order_number)).toMatchObject({ status: "canceled" });
    // No fresh URL for a canceled order's link either: the issuer API answers that it is revoked.
    const resend = await admin<{ message: string }>(tenant, "POST", `/links/${entry.link_id}/url`);
    expectError(resend, 410, "revoked");
    expect(resend.body.message).toContain("order is canceled");
    // The link view says revoked, though the link's object has not heard of the cancel yet.
    expect((await admin(tenant, "GET", `/links/${entry.link_id}`)).body).toMatchObject({
      status: "revoked",
      revoked: true,
    });
    // Un-revoking a canceled order's link is refused: it would answer 200 and change nothing.
    expectError(await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { revoked: false } }), 409, "conflict");
    expect((await admin(tenant, "GET", `/links/${entry.link_id}`)).body).toMatchObject({ revoked: true });
    // A token for the link signed with the tenant's key does not open it.
    const token = await sign(tenant, file, { link: entry.link_id });
    const base = `https://${tenant.host}/downloads/`;
    expect(await errorOf(await fetchUrl(base + token))).toEqual({ status: 410, error: "revoked" });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(0);
  });

  it("answers 404 for an unknown order", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "POST", "/orders/nope/cancel"), 404, "not_found");
  });
});

describe("grants that are already over", () => {
  it("shows a link whose expires_in_days has passed since purchase as expired, without a URL", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const purchased = new Date(Date.now() - 10 * 86400_000).toISOString();
    const order = await placeOrder(tenant, orderBody([file.id], { purchased_at: purchased }, { expires_in_days: 5 }));
    const entry = firstFile(order);
    expect(entry).toMatchObject({ status: "expired", is_expired: true, download_url: null });
    const url = await admin<{ download_url: string }>(tenant, "POST", `/links/${entry.link_id}/url`);
    expect(await errorOf(await fetchUrl(url.body.download_url))).toEqual({ status: 410, error: "expired" });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(0);
  });
});
