/**
 * Held orders (issue 12 item 3): `POST /admin/v1/orders/:number/hold` and `/release`. While
 * held, every link of the order answers `403 suspended` (JSON, or a page saying the order
 * is under review with the store's support link), counts nothing, and listings show it
 * unusable; a release restores the order exactly as it was.
 */
import { describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { env } from "cloudflare:workers";
import { BROWSER, fetchFrom } from "../../helpers/from.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  firstFile,
  orderBody,
  placeOrder,
  setTenantSettings,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
  type OrderView,
} from "../../helpers/issuer.ts";

const SUPPORT = "https://shop.example/support";

interface HeldView extends OrderView {
  hold: { reason: string; held_at: string } | null;
}

async function paidOrder(options: { status?: "pending" | "complete" } = {}) {
  const tenant = await createTenantWithAdminKey();
  await setTenantSettings(tenant, { support_url: SUPPORT, store_name: "Atlas Books" });
  const file = await uploadFile(tenant, { size: 1200 });
  const order = await placeOrder(
    tenant,
    orderBody([file.id], { status: options.status ?? "complete" }, { download_limit: 5 }),
  );
  const entry = firstFile(order);
  return { tenant, order, entry, url: entry.download_url, stub: linkStub(env, tenant.id, entry.link_id) };
}

const hold = (tenant: IssuerTenant, number: string, reason = "chargeback review") =>
  admin<HeldView>(tenant, "POST", `/orders/${encodeURIComponent(number)}/hold`, { json: { reason } });
const release = (tenant: IssuerTenant, number: string) =>
  admin<HeldView>(tenant, "POST", `/orders/${encodeURIComponent(number)}/release`);

async function listing(tenant: IssuerTenant, customer = "cust-1"): Promise<ListingEntry[]> {
  const response = await customerGet(tenant, "/my/downloads", await customerToken(tenant, customer));
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: ListingEntry[] }).data;
}

describe("holding an order", () => {
  it("suspends a link already in use at once, counts nothing while held, and release restores it", async () => {
    const { tenant, order, url, stub } = await paidOrder();
    const first = await fetchFrom(url ?? "", {});
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    expect((await stub.snapshot()).count).toBe(1);

    const held = await hold(tenant, order.order_number);
    expect(held.status).toBe(200);
    expect(held.body.status).toBe("held");
    expect(held.body.hold).toMatchObject({ reason: "chargeback review" });
    expect(Date.parse(held.body.hold?.held_at ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(firstFile(held.body)).toMatchObject({ status: "suspended", download_url: null, download_count: 1 });

    for (let i = 0; i < 3; i++) {
      const refused = await fetchFrom(url ?? "", {});
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: "suspended" });
    }
    expect((await fetchFrom(url ?? "", {}, { method: "HEAD" })).status).toBe(403);
    expect((await stub.snapshot()).count).toBe(1);

    const released = await release(tenant, order.order_number);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: "complete", hold: null });
    expect(firstFile(released.body)).toMatchObject({ status: "available", download_count: 1, remaining_downloads: 4 });
    const again = await fetchFrom(url ?? "", {});
    expect(again.status).toBe(200);
    expect((await again.arrayBuffer()).byteLength).toBe(1200);
    expect((await stub.snapshot()).count).toBe(2);
  });

  it("suspends a link whose object was never told, from the hold in D1 (its first request reads it)", async () => {
    const { tenant, order, url, stub } = await paidOrder();
    // As if the call that tells the link objects had failed after D1 was written.
    await env.DB.prepare(
      "UPDATE orders SET held_at = unixepoch(), hold_reason = 'x' WHERE tenant_id = ? AND number = ?",
    )
      .bind(tenant.id, order.order_number)
      .run();
    const refused = await fetchFrom(url ?? "", {});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "suspended" });
    expect((await stub.snapshot()).count).toBe(0);
    // The store retries the release; the object that learned the hold from D1 is told.
    await release(tenant, order.order_number);
    expect((await fetchFrom(url ?? "", {})).status).toBe(200);
  });

  it("suspends a link never used before the hold", async () => {
    const { tenant, order, url, stub } = await paidOrder();
    expect((await hold(tenant, order.order_number)).status).toBe(200);
    const refused = await fetchFrom(url ?? "", {});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "suspended" });
    expect((await stub.snapshot()).count).toBe(0);
    await release(tenant, order.order_number);
    expect((await fetchFrom(url ?? "", {})).status).toBe(200);
    expect((await stub.snapshot()).count).toBe(1);
  });

  it("shows the customer a page saying the order is under review, with the store's support link", async () => {
    const { tenant, order, url } = await paidOrder();
    await hold(tenant, order.order_number);
    const page = await fetchFrom(url ?? "", {}, { headers: { Accept: BROWSER } });
    expect(page.status).toBe(403);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("under review");
    expect(html).toContain(`href="${SUPPORT}"`);
    expect(html).not.toContain("chargeback review");

    const german = await fetchFrom(url ?? "", {}, { headers: { Accept: BROWSER, "Accept-Language": "de" } });
    expect(await german.text()).toContain("Ihre Bestellung wird vom Shop geprüft");
  });

  it("lists a held order's files as suspended without a URL, and usable again after release", async () => {
    const { tenant, order } = await paidOrder();
    await hold(tenant, order.order_number);
    const [entry] = await listing(tenant);
    expect(entry).toMatchObject({ order_number: order.order_number, status: "held" });
    expect(entry?.files[0]).toMatchObject({ status: "suspended", download_url: null });
    await release(tenant, order.order_number);
    const [after] = await listing(tenant);
    expect(after).toMatchObject({ status: "complete" });
    expect(after?.files[0]?.status).toBe("available");
    expect(after?.files[0]?.download_url).toMatch(/\/downloads\//);
  });

  it("marks a held order's files as under review on the customer's order page, without a download button", async () => {
    const { tenant, order } = await paidOrder();
    await hold(tenant, order.order_number);
    const page = await fetchFrom(`https://${tenant.host}/o/${order.access_key}`, {}, { headers: { Accept: BROWSER } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Under review");
    expect(html).not.toContain("/downloads/");
    await release(tenant, order.order_number);
    const after = await (await fetchFrom(`https://${tenant.host}/o/${order.access_key}`, {})).text();
    expect(after).toContain("/downloads/");
  });

  it("releases an unpaid order to unpaid: still pending until completed", async () => {
    const { tenant, order, entry } = await paidOrder({ status: "pending" });
    // A pending order's view carries no URL; the link's own fresh URL is what a customer may hold.
    const url = (await admin<{ download_url: string }>(tenant, "POST", `/links/${entry.link_id}/url`)).body
      .download_url;
    expect((await hold(tenant, order.order_number)).body.status).toBe("held");
    // Held, every link answers suspended, paid or not (docs/CONTRACT.md §9); the listing agrees.
    expect(await (await fetchFrom(url ?? "", {})).json()).toMatchObject({ error: "suspended" });
    expect((await admin(tenant, "GET", `/links/${entry.link_id}`)).body).toMatchObject({ status: "suspended" });
    expect((await release(tenant, order.order_number)).body.status).toBe("pending");
    expect(await (await fetchFrom(url ?? "", {})).json()).toMatchObject({ error: "pending" });
    const completed = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect((await fetchFrom(firstFile(completed.body).download_url ?? "", {})).status).toBe(200);
  });

  it("keeps when a repeated hold began and takes its newer reason", async () => {
    const { tenant, order } = await paidOrder();
    const first = await hold(tenant, order.order_number, "first look");
    const second = await hold(tenant, order.order_number, "second look");
    expect(second.body.hold).toEqual({ reason: "second look", held_at: first.body.hold?.held_at });
    expect((await admin<HeldView>(tenant, "GET", `/orders/${order.order_number}`)).body.status).toBe("held");
  });

  it("cancels a held order: canceled, its hold kept as the review's record, its links revoked", async () => {
    const { tenant, order } = await paidOrder();
    const held = await hold(tenant, order.order_number, "chargeback");
    const canceled = await admin<HeldView>(tenant, "POST", `/orders/${order.order_number}/cancel`);
    expect(canceled.body).toMatchObject({ status: "canceled", hold: held.body.hold });
    expect(firstFile(canceled.body)).toMatchObject({ status: "revoked", download_url: null });
    expect((await linkStub(env, tenant.id, firstFile(order).link_id).snapshot()).revoked).toBe(true);
  });

  it("refuses to hold or release a canceled order, and 404s an unknown one", async () => {
    const { tenant, order } = await paidOrder();
    await admin(tenant, "POST", `/orders/${order.order_number}/cancel`);
    expectError(await hold(tenant, order.order_number), 400, "bad_request", ["status"]);
    // Nor released: never held, it has no hold, and its links stay revoked.
    const released = await release(tenant, order.order_number);
    expectError(released, 400, "bad_request", ["status"]);
    expect(JSON.stringify(released.body)).toContain("it is not held");
    expectError(await hold(tenant, "no-such-order"), 404, "not_found");
    expectError(await release(tenant, "no-such-order"), 404, "not_found");
  });

  it("refuses to release a canceled order: its hold stays the review's record and its links stay refused", async () => {
    const { tenant, order, url, stub } = await paidOrder();
    await hold(tenant, order.order_number, "fraud");
    await admin(tenant, "POST", `/orders/${order.order_number}/cancel`);
    const before = await admin<HeldView>(tenant, "GET", `/orders/${order.order_number}`);
    expect(before.body).toMatchObject({ status: "canceled", hold: { reason: "fraud" } });
    const refused = await release(tenant, order.order_number);
    expectError(refused, 400, "bad_request", ["status"]);
    expect((refused.body as unknown as { message: string }).message).toMatch(/canceled order cannot be released/);
    expect((await admin<HeldView>(tenant, "GET", `/orders/${order.order_number}`)).body).toEqual(before.body);
    // Refused again, the same way a hold is; and the link's object still holds it revoked and held.
    expectError(await release(tenant, order.order_number), 400, "bad_request", ["status"]);
    expectError(await hold(tenant, order.order_number), 400, "bad_request", ["status"]);
    expect(await stub.snapshot()).toMatchObject({ revoked: true, held: true });
    const download = await fetchFrom(url ?? "", {});
    expect(download.status).toBe(410);
    expect(await download.json()).toMatchObject({ error: "revoked" });
    expect(firstFile(before.body)).toMatchObject({ status: "revoked", download_url: null });
  });

  it("lets no other tenant hold or release an order", async () => {
    const { tenant, order, url } = await paidOrder();
    const other = await createTenantWithAdminKey();
    expectError(await hold(other, order.order_number), 404, "not_found");
    expect((await fetchFrom(url ?? "", {})).status).toBe(200);
    await hold(tenant, order.order_number);
    expectError(await release(other, order.order_number), 404, "not_found");
    expect((await fetchFrom(url ?? "", {})).status).toBe(403);
  });

  it("refuses a missing, empty, multi-line or misspelt reason, and a body or query on release", async () => {
    const { tenant, order } = await paidOrder();
    const path = `/orders/${order.order_number}`;
    expectError(await admin(tenant, "POST", `${path}/hold`, { json: {} }), 400, "bad_request", ["reason"]);
    expectError(await admin(tenant, "POST", `${path}/hold`, { json: { reason: "" } }), 400, "bad_request", ["reason"]);
    expectError(await admin(tenant, "POST", `${path}/hold`, { json: { reason: "a\nb" } }), 400, "bad_request", [
      "reason",
    ]);
    expectError(await admin(tenant, "POST", `${path}/hold`, { json: { reason: "x", reasn: "y" } }), 400, "bad_request");
    expectError(await admin(tenant, "POST", `${path}/release`, { json: { reason: "x" } }), 400, "bad_request");
    expectError(await admin(tenant, "POST", `${path}/release?now=1`), 400, "bad_request");
    expect((await admin<HeldView>(tenant, "GET", path)).body.status).toBe("complete");
  });
});
