/**
 * `GET /my/downloads` and `GET /orders/:orderNumber/downloads` (bare, on the tenant's
 * host, and under `/api/:tenant`): seed 000's shape plus remaining_downloads, is_expired
 * and status; fresh URLs that really download; pending orders without URL;
 * `include_expired`.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { uid } from "../../helpers/fixtures.ts";
import {
  admin,
  bodyBytes,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  fetchUrl,
  firstFile,
  orderBody,
  placeOrder,
  retireEveryKey,
  readAnswer,
  uploadFile,
  type FileEntry,
  type IssuerTenant,
  type ListingEntry,
  type OrderView,
} from "../../helpers/issuer.ts";

type Listing = { data: ListingEntry[] };

async function listing(tenant: IssuerTenant, path: string, customer: string) {
  return readAnswer<Listing>(await customerGet(tenant, path, await customerToken(tenant, customer)));
}

async function downloadAndFlush(tenant: IssuerTenant, url: string, linkId: string): Promise<number> {
  const response = await fetchUrl(url);
  await response.arrayBuffer();
  await runDurableObjectAlarm(linkStub(env, tenant.id, linkId));
  return response.status;
}

describe("GET /my/downloads", () => {
  it("lists every item the customer bought, newest order first, each file with a URL that downloads", async () => {
    const tenant = await createTenantWithAdminKey();
    const guide = await uploadFile(tenant, { name: "guide.pdf", size: 1200 });
    const song = await uploadFile(tenant, { name: "song.mp3", size: 600 });
    const older = await placeOrder(tenant, {
      order_number: uid("OLD"),
      customer_id: "alice",
      purchased_at: "2029-01-01T00:00:00Z",
      items: [{ product: { id: 7, name: "Guide", slug: "guide" }, file_ids: [guide.id], grant: { download_limit: 3 } }],
    });
    const newer = await placeOrder(tenant, {
      order_number: uid("NEW"),
      customer_id: "alice",
      purchased_at: "2030-06-01T12:00:00Z",
      items: [
        { product: { id: "song", name: "Song" }, file_ids: [song.id], grant: { expires_at: "2040-01-01T00:00:00Z" } },
      ],
    });

    const answer = await listing(tenant, "/my/downloads", "alice");
    expect(answer.status).toBe(200);
    const urlPattern = new RegExp(`^https://${tenant.host}/api/${tenant.id}/downloads/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`);
    expect(answer.body).toEqual({
      data: [
        {
          id: newer.items[0]?.id,
          product: { id: "song", name: "Song", slug: null },
          files: [
            {
              id: song.id,
              name: "song.mp3",
              size: 600,
              download_url: expect.stringMatching(urlPattern),
              download_count: 0,
              download_limit: null,
              remaining_downloads: null,
              expires_at: "2040-01-01T00:00:00.000Z",
              is_expired: false,
              status: "available",
            },
          ],
          order_number: newer.order_number,
          purchased_at: "2030-06-01T12:00:00.000Z",
          status: "complete",
        },
        {
          id: older.items[0]?.id,
          product: { id: "7", name: "Guide", slug: "guide" },
          files: [
            {
              id: guide.id,
              name: "guide.pdf",
              size: 1200,
              download_url: expect.stringMatching(urlPattern),
              download_count: 0,
              download_limit: 3,
              remaining_downloads: 3,
              expires_at: null,
              is_expired: false,
              status: "available",
            },
          ],
          order_number: older.order_number,
          purchased_at: "2029-01-01T00:00:00.000Z",
          status: "complete",
        },
      ],
    });

    const [songEntry, guideEntry] = answer.body.data;
    const songDownload = await fetchUrl(songEntry?.files[0]?.download_url as string);
    expect(songDownload.status).toBe(200);
    expect(await bodyBytes(songDownload)).toEqual(song.bytes);
    const guideDownload = await fetchUrl(guideEntry?.files[0]?.download_url as string);
    expect(guideDownload.status).toBe(200);
    expect(await bodyBytes(guideDownload)).toEqual(guide.bytes);
  });

  it("answers the same under /api/:tenant on any host", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    await placeOrder(tenant, orderBody([file.id], { customer_id: "bob" }));
    const token = await customerToken(tenant, "bob");
    const elsewhere = { ...tenant, host: "gateway.example.net" };
    const answer = await readAnswer<Listing>(await customerGet(elsewhere, `/api/${tenant.id}/my/downloads`, token));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(1);
    const url = answer.body.data[0]?.files[0]?.download_url as string;
    expect(url.startsWith(`https://gateway.example.net/api/${tenant.id}/downloads/`)).toBe(true);
    const response = await fetchUrl(url);
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(file.bytes);
  });

  it("shows download counts from D1 once the link has flushed, and hides an exhausted link", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "carol" }, { download_limit: 2 }));
    const entry = firstFile(order);
    expect(await downloadAndFlush(tenant, entry.download_url as string, entry.link_id)).toBe(200);
    const once = await listing(tenant, "/my/downloads", "carol");
    expect(once.body.data[0]?.files[0]).toMatchObject({
      download_count: 1,
      download_limit: 2,
      remaining_downloads: 1,
      status: "available",
    });
    expect(await downloadAndFlush(tenant, entry.download_url as string, entry.link_id)).toBe(200);
    expect((await listing(tenant, "/my/downloads", "carol")).body.data).toEqual([]);
    const all = await listing(tenant, "/my/downloads?include_expired=true", "carol");
    expect(all.body.data[0]?.files[0]).toMatchObject({
      download_count: 2,
      remaining_downloads: 0,
      status: "exhausted",
      download_url: null,
    });
  });

  it("shows a pending order with status pending and no URL, and a URL once it is complete", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "dave", status: "pending" }));
    const pending = await listing(tenant, "/my/downloads", "dave");
    expect(pending.body.data).toHaveLength(1);
    expect(pending.body.data[0]).toMatchObject({ order_number: order.order_number, status: "pending" });
    expect(pending.body.data[0]?.files[0]).toMatchObject({ status: "pending", download_url: null });

    await admin(tenant, "POST", `/orders/${order.order_number}/complete`);
    const complete = await listing(tenant, "/my/downloads", "dave");
    expect(complete.body.data[0]).toMatchObject({ status: "complete" });
    const url = complete.body.data[0]?.files[0]?.download_url as string;
    expect(url).toContain("/downloads/");
    expect((await fetchUrl(url)).status).toBe(200);
  });

  it("leaves expired, exhausted, revoked and canceled files out unless include_expired is true", async () => {
    const tenant = await createTenantWithAdminKey();
    const [usable, expiring, exhausting, revoking, canceling] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => uploadFile(tenant)),
    );
    const item = (fileId: string, name: string, grant: Record<string, unknown> = {}) => ({
      product: { id: name.toLowerCase(), name },
      file_ids: [fileId],
      grant,
    });
    const order = await placeOrder(tenant, {
      order_number: uid("MIX"),
      customer_id: "erin",
      purchased_at: new Date(Date.now() - 10 * 86400_000).toISOString(),
      items: [
        item(usable!.id, "Usable"),
        item(expiring!.id, "Expiring", { expires_in_days: 5 }),
        item(exhausting!.id, "Exhausting", { download_limit: 1 }),
        item(revoking!.id, "Revoking"),
      ],
    });
    const canceled = await placeOrder(tenant, orderBody([canceling!.id], { customer_id: "erin" }));
    const entryOf = (view: OrderView, index: number) => view.items[index]?.files[0] as FileEntry;
    const exhausted = entryOf(order, 2);
    expect(await downloadAndFlush(tenant, exhausted.download_url as string, exhausted.link_id)).toBe(200);
    await admin(tenant, "PATCH", `/links/${entryOf(order, 3).link_id}`, { json: { revoked: true } });
    await admin(tenant, "POST", `/orders/${canceled.order_number}/cancel`);

    const byDefault = await listing(tenant, "/my/downloads", "erin");
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.data.map((d) => d.product.name)).toEqual(["Usable"]);
    for (const value of ["false", "0"]) {
      const answer = await listing(tenant, `/my/downloads?include_expired=${value}`, "erin");
      expect(answer.body.data.map((d) => d.product.name)).toEqual(["Usable"]);
    }

    for (const value of ["true", "1"]) {
      const answer = await listing(tenant, `/my/downloads?include_expired=${value}`, "erin");
      expect(answer.status).toBe(200);
      const byName = Object.fromEntries(answer.body.data.map((d) => [d.product.name, { order: d, file: d.files[0] }]));
      expect(Object.keys(byName).sort()).toEqual(["Exhausting", "Expiring", "Product One", "Revoking", "Usable"]);
      expect(byName.Usable?.file).toMatchObject({ status: "available", download_url: expect.any(String) });
      expect(byName.Expiring?.file).toMatchObject({ status: "expired", is_expired: true, download_url: null });
      expect(byName.Exhausting?.file).toMatchObject({ status: "exhausted", download_count: 1, download_url: null });
      expect(byName.Revoking?.file).toMatchObject({ status: "revoked", download_url: null });
      expect(byName["Product One"]?.order).toMatchObject({ status: "canceled" });
      expect(byName["Product One"]?.file).toMatchObject({ status: "revoked", download_url: null });
    }
  });

  it("refuses an include_expired that is not a boolean with 400", async () => {
    const tenant = await createTenantWithAdminKey();
    const token = await customerToken(tenant, "frank");
    const answer = await readAnswer(await customerGet(tenant, "/my/downloads?include_expired=maybe", token));
    expectError(answer, 400, "bad_request", ["include_expired"]);
  });

  it("answers an empty list to a customer without orders", async () => {
    const tenant = await createTenantWithAdminKey();
    expect(await listing(tenant, "/my/downloads", "nobody")).toMatchObject({ status: 200, body: { data: [] } });
  });

  it("answers 401 without a credential, and when the store has no customer sign-in at all", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await readAnswer(await customerGet(tenant, "/my/downloads")), 401, "auth_required");
    const bare = await createTenantWithAdminKey({ customerSecret: null });
    const token = await customerToken({ customerSecret: "whatever-0123456789" }, "c");
    expectError(await readAnswer(await customerGet(bare, "/my/downloads", token)), 401, "auth_required");
  });

  it("answers 404 for an unknown tenant or host", async () => {
    const tenant = await createTenantWithAdminKey();
    const token = await customerToken(tenant, "c");
    expectError(
      await readAnswer(await customerGet(tenant, "/api/no-such-store/my/downloads", token)),
      404,
      "not_found",
    );
    const stranger = { ...tenant, host: "unknown-host.example" };
    expectError(await readAnswer(await customerGet(stranger, "/my/downloads", token)), 404, "not_found");
  });
});

describe("GET /orders/:orderNumber/downloads", () => {
  it("lists one order's items for its own customer, bare and under /api/:tenant", async () => {
    const tenant = await createTenantWithAdminKey();
    const a = await uploadFile(tenant);
    const b = await uploadFile(tenant);
    const wanted = await placeOrder(tenant, orderBody([a.id], { customer_id: "gina" }));
    await placeOrder(tenant, orderBody([b.id], { customer_id: "gina" }));
    for (const path of [
      `/orders/${wanted.order_number}/downloads`,
      `/api/${tenant.id}/orders/${wanted.order_number}/downloads`,
    ]) {
      const answer = await listing(tenant, path, "gina");
      expect(answer.status).toBe(200);
      expect(answer.body.data).toHaveLength(1);
      expect(answer.body.data[0]).toMatchObject({
        id: wanted.items[0]?.id,
        order_number: wanted.order_number,
        status: "complete",
        product: { id: "p-1", name: "Product One", slug: "product-one" },
      });
      expect(answer.body.data[0]?.files.map((f) => f.id)).toEqual([a.id]);
      expect(answer.body.data[0]?.files[0]).not.toHaveProperty("link_id");
      const response = await fetchUrl(answer.body.data[0]?.files[0]?.download_url as string);
      expect(await bodyBytes(response)).toEqual(a.bytes);
    }
  });

  it("decodes the order number from the path and refuses malformed percent-encoding with 400", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(
      tenant,
      orderBody([file.id], { order_number: `${uid("N")}:@!$&'()*+,;=`, customer_id: "hal" }),
    );
    const answer = await listing(tenant, `/orders/${encodeURIComponent(order.order_number)}/downloads`, "hal");
    expect(answer.status).toBe(200);
    expect(answer.body.data[0]?.order_number).toBe(order.order_number);
    const token = await customerToken(tenant, "hal");
    expectError(await readAnswer(await customerGet(tenant, "/orders/100%/downloads", token)), 400, "bad_request", [
      "orderNumber",
    ]);
  });

  it("answers 404 for an unknown order and 401 without a credential", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "ivy" }));
    expectError(await listing(tenant, "/orders/nope/downloads", "ivy"), 404, "not_found");
    expectError(
      await readAnswer(await customerGet(tenant, `/orders/${order.order_number}/downloads`)),
      401,
      "auth_required",
    );
  });

  it("includes a canceled order's files only with include_expired", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "jo" }));
    await admin(tenant, "POST", `/orders/${order.order_number}/cancel`);
    const hidden = await listing(tenant, `/orders/${order.order_number}/downloads`, "jo");
    expect(hidden).toMatchObject({ status: 200, body: { data: [] } });
    const shown = await listing(tenant, `/orders/${order.order_number}/downloads?include_expired=true`, "jo");
    expect(shown.body.data[0]).toMatchObject({ status: "canceled" });
    expect(shown.body.data[0]?.files[0]).toMatchObject({ status: "revoked", download_url: null });
  });
});

describe("a store that can no longer sign links", () => {
  it("answers its customers 503 unavailable with Retry-After, not a 400 meant for the store", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "guide.pdf", size: 100 });
    await placeOrder(tenant, orderBody([file.id], { customer_id: "alice" }));
    await retireEveryKey(tenant.id);
    const answer = await customerGet(tenant, "/my/downloads", await customerToken(tenant, "alice"));
    expect(answer.status).toBe(503);
    expect(answer.headers.get("Retry-After")).toBe("300");
    expect(await answer.json()).toMatchObject({ error: "unavailable" });
  });
});
