/**
 * Isolation. Tenant A's admin key never sees or touches tenant B (its files, orders,
 * links, keys, uploads: 404, and B's state is unchanged afterwards). Customer X never
 * sees customer Y's orders (403 on Y's order, absent from X's /my/downloads), and a
 * customer of one store is nobody in another.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { fileBytes, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  bodyBytes,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  errorOf,
  expectError,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  orderRow,
  placeOrder,
  readAnswer,
  rowCount,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
  type OrderView,
  type UploadedFile,
} from "../../helpers/issuer.ts";

interface World {
  a: IssuerTenant;
  b: IssuerTenant;
  bFile: UploadedFile;
  bOrder: OrderView;
  bPending: OrderView;
}

/** Two tenants; B has a file, a complete order (limit 3, one download) and a pending order. */
async function world(): Promise<World> {
  const a = await createTenantWithAdminKey();
  const b = await createTenantWithAdminKey();
  const bFile = await uploadFile(b, { name: "b-secret.pdf" });
  const bOrder = await placeOrder(b, orderBody([bFile.id], { customer_id: "b-cust" }, { download_limit: 3 }));
  const bPending = await placeOrder(b, orderBody([bFile.id], { customer_id: "b-cust", status: "pending" }));
  const response = await fetchUrl(firstFile(bOrder).download_url as string);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return { a, b, bFile, bOrder, bPending };
}

async function bLinkState(w: World) {
  return linkStub(env, w.b.id, firstFile(w.bOrder).link_id).snapshot();
}

describe("tenant isolation: A's admin key against B's resources", () => {
  it("cannot read, delete or overwrite B's files", async () => {
    const w = await world();
    expectError(await admin(w.a, "GET", `/files/${w.bFile.id}`), 404, "not_found");
    expectError(await admin(w.a, "DELETE", `/files/${w.bFile.id}`), 404, "not_found");
    // Uploading under the same id makes A's own file; B's bytes and row are untouched.
    const mine = await uploadFile(w.a, { id: w.bFile.id, size: 64, seed: 99 });
    expect(mine.view).toMatchObject({ id: w.bFile.id, size: 64 });
    const bObject = await env.FILES.get(`${w.b.id}/${w.bFile.id}`);
    expect(new Uint8Array(await (bObject as R2ObjectBody).arrayBuffer())).toEqual(w.bFile.bytes);
    expect(await admin(w.b, "GET", `/files/${w.bFile.id}`)).toMatchObject({ status: 200, body: w.bFile.view });
    // And B's customers still get B's bytes.
    const download = await fetchUrl(firstFile(w.bOrder).download_url as string);
    expect(await bodyBytes(download)).toEqual(w.bFile.bytes);
  });

  it("cannot see, complete or cancel B's orders", async () => {
    const w = await world();
    expectError(await admin(w.a, "GET", `/orders/${w.bOrder.order_number}`), 404, "not_found");
    expectError(await admin(w.a, "POST", `/orders/${w.bOrder.order_number}/cancel`), 404, "not_found");
    expectError(await admin(w.a, "POST", `/orders/${w.bPending.order_number}/complete`), 404, "not_found");
    expect(await orderRow(w.b.id, w.bOrder.order_number)).toMatchObject({ status: "complete" });
    expect(await orderRow(w.b.id, w.bPending.order_number)).toMatchObject({ status: "pending" });
    expect((await bLinkState(w)).revoked).toBe(false);
    // B's pending order is still unpaid for its customers: a URL B mints for it is refused.
    const minted = await admin<{ download_url: string }>(w.b, "POST", `/links/${firstFile(w.bPending).link_id}/url`);
    expect(await errorOf(await fetchUrl(minted.body.download_url))).toEqual({ status: 403, error: "pending" });
    // B's own key sees them, so the 404s above are not a broken fixture.
    expect((await admin(w.b, "GET", `/orders/${w.bOrder.order_number}`)).status).toBe(200);
  });

  it("cannot order B's files", async () => {
    const w = await world();
    const body = orderBody([w.bFile.id]);
    expectError(await admin(w.a, "POST", "/orders", { json: body }), 400, "bad_request", ["items.0.file_ids.0"]);
    expect(await rowCount("orders", w.a.id)).toBe(0);
  });

  it("gets B's order number as a new order of its own, leaving B's alone", async () => {
    const w = await world();
    const aFile = await uploadFile(w.a);
    const answer = await admin<OrderView>(w.a, "POST", "/orders", {
      json: orderBody([aFile.id], { order_number: w.bOrder.order_number, customer_id: "a-cust" }),
    });
    expect(answer.status).toBe(201);
    expect(answer.body.customer_id).toBe("a-cust");
    expect(await orderRow(w.b.id, w.bOrder.order_number)).toMatchObject({ customer_id: "b-cust" });
    expect(await rowCount("links", w.b.id, w.bOrder.order_number)).toBe(1);
  });

  it("cannot read, patch, reset, re-sign or read the log of B's links", async () => {
    const w = await world();
    const linkId = firstFile(w.bOrder).link_id;
    await runDurableObjectAlarm(linkStub(env, w.b.id, linkId));
    const before = await bLinkState(w);
    const rowBefore = await linkRow(w.b.id, linkId);
    expectError(await admin(w.a, "GET", `/links/${linkId}`), 404, "not_found");
    for (const json of [{ revoked: true }, { download_limit: 1000 }, { add_downloads: 5 }, { expires_at: null }]) {
      expectError(await admin(w.a, "PATCH", `/links/${linkId}`, { json }), 404, "not_found");
    }
    expectError(await admin(w.a, "POST", `/links/${linkId}/reset`), 404, "not_found");
    expectError(await admin(w.a, "POST", `/links/${linkId}/url`), 404, "not_found");
    expectError(await admin(w.a, "GET", `/links/${linkId}/events`), 404, "not_found");
    expect(await bLinkState(w)).toEqual(before);
    expect(before.count).toBe(1);
    expect(await linkRow(w.b.id, linkId)).toEqual(rowBefore);
    // A's namesake Durable Object (A's tenant + B's link id) is a different object, untouched too.
    expect((await linkStub(env, w.a.id, linkId).snapshot()).count).toBe(0);
    expect((await admin(w.b, "GET", `/links/${linkId}`)).body).toMatchObject({ download_count: 1 });
  });

  it("cannot revoke B's admin keys, and retiring kid k1 retires only A's own", async () => {
    const w = await world();
    expectError(await admin(w.a, "DELETE", `/admin-keys/${w.b.adminKeyId}`), 404, "not_found");
    expect((await admin(w.b, "GET", "/keys")).status).toBe(200);
    const aKeys = await admin<{ data: { id: string }[] }>(w.a, "GET", "/admin-keys");
    expect(aKeys.body.data.map((k) => k.id)).toEqual([w.a.adminKeyId]);

    expect((await admin(w.a, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } })).status).toBe(201);
    expect((await admin(w.a, "DELETE", "/keys/k1")).status).toBe(200);
    const bSigning = await admin<{ data: { kid: string; status: string }[] }>(w.b, "GET", "/keys");
    expect(bSigning.body.data).toEqual([expect.objectContaining({ kid: "k1", status: "active" })]);
    const download = await fetchUrl(firstFile(w.bOrder).download_url as string);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
  });

  it("cannot use or complete B's multipart upload", async () => {
    const w = await world();
    const fileId = uid("mp");
    const started = await admin<{ upload_id: string }>(w.b, "POST", `/files/${fileId}/uploads`);
    const base = `/files/${fileId}/uploads/${encodeURIComponent(started.body.upload_id)}`;
    const part = await admin<{ part_number: number; etag: string }>(w.b, "PUT", `${base}/parts/1`, {
      body: fileBytes(100, 4),
    });
    expect(part.status).toBe(200);

    expectError(await admin(w.a, "PUT", `${base}/parts/2`, { body: fileBytes(100) }), 400, "bad_request");
    expectError(await admin(w.a, "POST", `${base}/complete`, { json: { parts: [part.body] } }), 400, "bad_request");
    expectError(await admin(w.a, "DELETE", base), 400, "bad_request", ["upload"]);
    expect(await env.FILES.head(`${w.a.id}/${fileId}`)).toBeNull();

    const completed = await admin(w.b, "POST", `${base}/complete`, { json: { parts: [part.body] } });
    expect(completed).toMatchObject({ status: 201, body: { id: fileId, size: 100 } });
  });

  it("A's download URLs do not open on B's host, nor under /api/<B>", async () => {
    const w = await world();
    const aFile = await uploadFile(w.a);
    const aOrder = await placeOrder(w.a, orderBody([aFile.id]));
    const token = (firstFile(aOrder).download_url as string).split("/downloads/")[1] as string;
    expect(await errorOf(await fetchUrl(`https://${w.b.host}/downloads/${token}`))).toEqual({
      status: 403,
      error: "invalid_token",
    });
    // docs/CONTRACT.md §4: on A's host, B's prefix is not a route (404), whatever the token.
    expect(await errorOf(await fetchUrl(`https://${w.a.host}/api/${w.b.id}/downloads/${token}`))).toEqual({
      status: 404,
      error: "not_found",
    });
    expect(await errorOf(await fetchUrl(`https://shared.invalid/api/${w.b.id}/downloads/${token}`))).toEqual({
      status: 403,
      error: "invalid_token",
    });
    expect((await linkStub(env, w.a.id, firstFile(aOrder).link_id).snapshot()).count).toBe(0);
  });
});

describe("customer isolation", () => {
  async function twoCustomers() {
    const tenant = await createTenantWithAdminKey();
    const xFile = await uploadFile(tenant, { name: "x.pdf" });
    const yFile = await uploadFile(tenant, { name: "y.pdf" });
    const xOrder = await placeOrder(tenant, orderBody([xFile.id], { customer_id: "x" }));
    const yOrder = await placeOrder(tenant, orderBody([yFile.id], { customer_id: "y" }));
    const yPending = await placeOrder(tenant, orderBody([yFile.id], { customer_id: "y", status: "pending" }));
    return { tenant, xOrder, yOrder, yPending, yFile };
  }

  it("never lists customer Y's items in customer X's /my/downloads", async () => {
    const { tenant, xOrder, yOrder, yPending, yFile } = await twoCustomers();
    const x = await customerToken(tenant, "x");
    for (const query of ["", "?include_expired=true"]) {
      const answer = await readAnswer<{ data: ListingEntry[] }>(await customerGet(tenant, `/my/downloads${query}`, x));
      expect(answer.status).toBe(200);
      expect(answer.body.data.map((d) => d.order_number)).toEqual([xOrder.order_number]);
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain(yOrder.order_number);
      expect(text).not.toContain(yPending.order_number);
      expect(text).not.toContain(yFile.id);
    }
    const y = await customerToken(tenant, "y");
    const yList = await readAnswer<{ data: ListingEntry[] }>(await customerGet(tenant, "/my/downloads", y));
    expect(yList.body.data.map((d) => d.order_number).sort()).toEqual(
      [yOrder.order_number, yPending.order_number].sort(),
    );
  });

  it("answers 403 forbidden to customer X on customer Y's order downloads, bare and under /api/:tenant", async () => {
    const { tenant, yOrder, yPending } = await twoCustomers();
    const x = await customerToken(tenant, "x");
    for (const path of [
      `/orders/${yOrder.order_number}/downloads`,
      `/orders/${yPending.order_number}/downloads`,
      `/api/${tenant.id}/orders/${yOrder.order_number}/downloads`,
      `/orders/${yOrder.order_number}/downloads?include_expired=true`,
    ]) {
      const response = await customerGet(tenant, path, x);
      const text = await response.text();
      expect(response.status).toBe(403);
      expect(JSON.parse(text)).toMatchObject({ error: "forbidden" });
      expect(text).not.toContain("/downloads/ey");
    }
    const y = await customerToken(tenant, "y");
    expect((await customerGet(tenant, `/orders/${yOrder.order_number}/downloads`, y)).status).toBe(200);
  });

  it("keeps customers of different stores apart, even with the same customer id", async () => {
    const a = await createTenantWithAdminKey();
    const b = await createTenantWithAdminKey();
    const aFile = await uploadFile(a);
    const bFile = await uploadFile(b);
    const aOrder = await placeOrder(a, orderBody([aFile.id], { customer_id: "same-id" }));
    const bOrder = await placeOrder(b, orderBody([bFile.id], { customer_id: "same-id" }));

    const aToken = await customerToken(a, "same-id");
    const bToken = await customerToken(b, "same-id");
    const aList = await readAnswer<{ data: ListingEntry[] }>(await customerGet(a, "/my/downloads", aToken));
    expect(aList.body.data.map((d) => d.order_number)).toEqual([aOrder.order_number]);
    const bList = await readAnswer<{ data: ListingEntry[] }>(await customerGet(b, "/my/downloads", bToken));
    expect(bList.body.data.map((d) => d.order_number)).toEqual([bOrder.order_number]);

    // A's customer token means nothing to B (B has its own customer secret).
    expectError(await readAnswer(await customerGet(b, "/my/downloads", aToken)), 401, "auth_required");
    expectError(
      await readAnswer(await customerGet(b, `/api/${b.id}/orders/${bOrder.order_number}/downloads`, aToken)),
      401,
      "auth_required",
    );
    // B's order number asked of A is simply unknown there.
    expect(bOrder.order_number).not.toBe(aOrder.order_number);
    expectError(
      await readAnswer(await customerGet(a, `/orders/${bOrder.order_number}/downloads`, aToken)),
      404,
      "not_found",
    );
  });
});
