/**
 * GDPR: `GET /admin/v1/customers/:id/data` exports everything held about a customer;
 * `DELETE /admin/v1/customers/:id/personal-data` erases the personal data of their log rows
 * and pseudonymises their id, keeping counts, link state and what was bought.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { deliveriesSettled, outboxEvents } from "../../helpers/deliveries.ts";
import { eventRows, flushOutboxes } from "../../helpers/fixtures.ts";
import {
  admin,
  adminFetch,
  createTenantWithAdminKey,
  expectError,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  orderRow,
  placeOrder,
  setTenantSettings,
  uploadFile,
  type FileEntry,
  type IssuerTenant,
} from "../../helpers/issuer.ts";
import { insertLogRows } from "../../helpers/logRows.ts";

interface CustomerData {
  customer_id: string;
  orders: { order_number: string; items: unknown[] }[];
  links: { id: string; download_count: number }[];
  download_log: { id: string; ip: string | null; user_agent: string | null; link_id: string; customer_id: string }[];
}

const ALICE = "alice@example.com";

async function downloadTwice(tenant: IssuerTenant, entry: FileEntry, agent: string) {
  for (let i = 0; i < 2; i++) {
    const response = await fetchUrl(entry.download_url as string, {
      headers: { "User-Agent": agent, "CF-Connecting-IP": "192.0.2.44" },
    });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
  }
  const stub = linkStub(env, tenant.id, entry.link_id);
  await deliveriesSettled([stub]);
  await flushOutboxes([stub]);
}

async function setup() {
  const tenant = await createTenantWithAdminKey();
  const file = await uploadFile(tenant, { name: "song.mp3", size: 400 });
  const alice = firstFile(
    await placeOrder(tenant, orderBody([file.id], { order_number: "A-1", customer_id: ALICE }, { download_limit: 5 })),
  );
  const bob = firstFile(await placeOrder(tenant, orderBody([file.id], { order_number: "B-1", customer_id: "bob" })));
  await downloadTwice(tenant, alice, "AliceBrowser/1");
  await downloadTwice(tenant, bob, "BobBrowser/1");
  return { tenant, alice, bob, file };
}

describe("GET /admin/v1/customers/:id/data", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    s = await setup();
  });

  it("exports the customer's orders, links and every log row of their links, and nobody else's", async () => {
    const response = await adminFetch(s.tenant, "GET", `/customers/${encodeURIComponent(ALICE)}/data`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const data = (await response.json()) as CustomerData;
    expect(data.customer_id).toBe(ALICE);
    expect(data.orders.map((o) => o.order_number)).toEqual(["A-1"]);
    expect(data.orders[0]?.items).toHaveLength(1);
    expect(data.links).toEqual([expect.objectContaining({ id: s.alice.link_id, download_count: 2 })]);
    expect(data.download_log).toHaveLength(2);
    expect(data.download_log.every((r) => r.link_id === s.alice.link_id && r.customer_id === ALICE)).toBe(true);
    expect(data.download_log[0]).toMatchObject({ ip: "192.0.2.44", user_agent: "AliceBrowser/1" });
  });

  it("streams a complete document however many log rows the customer has", async () => {
    const tenant = await createTenantWithAdminKey();
    await env.DB.prepare(
      "INSERT INTO links (tenant_id, id, order_number, item_id, file_id, customer_id) VALUES (?, 'lc', 'C-1', 'i', 'f', 'carol')",
    )
      .bind(tenant.id)
      .run();
    await insertLogRows(
      tenant.id,
      Array.from({ length: 2100 }, (_, i) => ({
        id: `c${String(i).padStart(4, "0")}`,
        at: 1_700_000_000_000 + i,
        linkId: "lc",
      })),
    );
    const data = (await (await adminFetch(tenant, "GET", "/customers/carol/data")).json()) as CustomerData;
    expect(data.download_log.map((r) => r.id)).toEqual(
      Array.from({ length: 2100 }, (_, i) => `c${String(i).padStart(4, "0")}`),
    );
    expect(data.orders).toEqual([]);
  });

  it("answers 404 for a customer nothing names, and to another tenant's key", async () => {
    expectError(await admin(s.tenant, "GET", "/customers/nobody/data"), 404, "not_found");
    const other = await createTenantWithAdminKey();
    expectError(await admin(other, "GET", `/customers/${encodeURIComponent(ALICE)}/data`), 404, "not_found");
    expectError(await admin(s.tenant, "GET", "/customers/bob/data?full=1"), 400, "bad_request", ["full"]);
  });
});

describe("DELETE /admin/v1/customers/:id/personal-data", () => {
  it("clears ip, user agent, country and device of the customer's log rows and pseudonymises the id", async () => {
    const s = await setup();
    const before = await eventRows(s.tenant, s.alice.link_id);
    expect(before.map((r) => r.ip)).toEqual(["192.0.2.44", "192.0.2.44"]);

    const answer = await admin<{ customer_id: string; pseudonym: string; erased: Record<string, number> }>(
      s.tenant,
      "DELETE",
      `/customers/${encodeURIComponent(ALICE)}/personal-data`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.pseudonym).toMatch(/^erased-[0-9a-f]{16}$/);
    expect(answer.body).toEqual({
      customer_id: ALICE,
      pseudonym: answer.body.pseudonym,
      erased: {
        log_rows: 2,
        orders: 1,
        links: 1,
        dead_letters: 0,
        // The outbox was flushed (setup); the device was derived from User-Agent and network.
        link_objects: { devices: 1, stored_tokens: 1, pending_events: 0 },
      },
    });

    const after = await eventRows(s.tenant, s.alice.link_id);
    expect(after.map((r) => [r.ip, r.user_agent, r.country, r.device])).toEqual([
      [null, null, null, null],
      [null, null, null, null],
    ]);
    // What is not personal stays: the facts of each request.
    expect(after.map((r) => [r.id, r.at, r.status, r.bytes, r.counted])).toEqual(
      before.map((r) => [r.id, r.at, r.status, r.bytes, r.counted]),
    );
    // The other customer is untouched.
    expect((await eventRows(s.tenant, s.bob.link_id)).map((r) => r.user_agent)).toEqual([
      "BobBrowser/1",
      "BobBrowser/1",
    ]);
    expect((await orderRow(s.tenant.id, "A-1"))?.customer_id).toBe(answer.body.pseudonym);
    expect((await orderRow(s.tenant.id, "B-1"))?.customer_id).toBe("bob");

    // Counts and link state are kept: D1 mirror, Durable Object, the API, and the limit.
    expect(await linkRow(s.tenant.id, s.alice.link_id)).toMatchObject({
      download_count: 2,
      customer_id: answer.body.pseudonym,
    });
    expect((await linkStub(env, s.tenant.id, s.alice.link_id).snapshot()).count).toBe(2);
    expect((await admin(s.tenant, "GET", `/links/${s.alice.link_id}`)).body).toMatchObject({
      download_count: 2,
      remaining_downloads: 3,
    });

    // The id is gone: nothing is found under it any more; the pseudonym shows the erased rows.
    expectError(await admin(s.tenant, "GET", `/customers/${encodeURIComponent(ALICE)}/data`), 404, "not_found");
    const pseudo = (await (
      await adminFetch(s.tenant, "GET", `/customers/${answer.body.pseudonym}/data`)
    ).json()) as CustomerData;
    expect(pseudo.download_log.map((r) => [r.ip, r.user_agent])).toEqual([
      [null, null],
      [null, null],
    ]);
    // The order cannot be re-created under the erased id: the number now belongs to the pseudonym.
    const again = await admin(s.tenant, "POST", "/orders", {
      json: orderBody([s.file.id], { order_number: "A-1", customer_id: ALICE }, { download_limit: 5 }),
    });
    expectError(again, 409, "conflict");
    // The erased id no longer appears anywhere in the tenant's export.
    const csv = await (await adminFetch(s.tenant, "GET", "/events?format=csv")).text();
    expect(csv).not.toContain(ALICE);
    expect(csv).not.toContain("AliceBrowser");
  });

  it("reaches the customer's links' Durable Objects: devices, the remembered token, sharing, waiting events", async () => {
    const tenant = await createTenantWithAdminKey();
    await setTenantSettings(tenant, { sharing: { max_networks: 5, action: "flag" } });
    const file = await uploadFile(tenant, { name: "font.zip", size: 300 });
    const order = orderBody(
      [file.id],
      { order_number: "C-1", customer_id: ALICE },
      { download_limit: 5, device_limit: 1 },
    );
    const entry = firstFile(await placeOrder(tenant, order));
    const stub = linkStub(env, tenant.id, entry.link_id);
    const aliceDevice = { "User-Agent": "AliceBrowser/1", "CF-Connecting-IP": "192.0.2.44" };
    const download = await fetchUrl(entry.download_url as string, { headers: aliceDevice });
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    await deliveriesSettled([stub]);

    // What the object holds of Alice before: her device, her id in the token, her network, her event.
    const before = await objectRows(stub);
    expect(before.devices).toHaveLength(1);
    expect(before.devices[0]).not.toMatch(/^erased:/);
    expect(before.sharingSeen).toBeGreaterThan(0);
    const waiting = await outboxEvents(stub);
    expect(waiting.map((e) => [e.ip, e.userAgent])).toEqual([["192.0.2.44", "AliceBrowser/1"]]);
    expect((await stub.knownLink())?.claims?.sub).toBe(ALICE);

    const answer = await admin<{ pseudonym: string; erased: Record<string, unknown> }>(
      tenant,
      "DELETE",
      `/customers/${encodeURIComponent(ALICE)}/personal-data`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.erased).toMatchObject({
      links: 1,
      link_objects: { devices: 1, stored_tokens: 1, pending_events: 1 },
    });

    const after = await objectRows(stub);
    expect(after.devices).toEqual([expect.stringMatching(/^erased:[0-9a-f]{16}$/)]);
    expect(after.grantDevices).toEqual(after.devices);
    expect(after.sharingSeen).toBe(0);
    expect((await outboxEvents(stub)).map((e) => [e.ip, e.userAgent, e.country, e.device])).toEqual([
      [null, null, null, null],
    ]);
    const remembered = await stub.knownLink();
    expect(remembered?.claims).toMatchObject({ sub: answer.body.pseudonym, lid: entry.link_id, lim: 5, dev: 1 });
    // Count and device slots are kept.
    expect(await stub.snapshot()).toMatchObject({ count: 1, deviceCount: 1 });

    // The Worker's own write of the waiting event may land after the erasure: the link's
    // alarm clears it in D1 as well, and keeps doing so while such a write may still come.
    const lateWrite = () =>
      env.DB.prepare("UPDATE download_events SET ip = ?, user_agent = ?, device = ? WHERE link_id = ?")
        .bind("192.0.2.44", "AliceBrowser/1", "late-device", entry.link_id)
        .run();
    const logged = async () => (await eventRows(tenant, entry.link_id)).map((r) => [r.ip, r.user_agent, r.device]);
    await lateWrite();
    await flushOutboxes([stub]);
    expect(await logged()).toEqual([[null, null, null]]);
    const kept = await objectRows(stub);
    expect(kept.erasedIds).toEqual([waiting[0]?.id]);
    expect(kept.alarm).not.toBeNull();
    // A minute after the request no write of it can come any more: the id is forgotten.
    await lateWrite();
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE erased_events SET at = at - 61000");
    });
    await runDurableObjectAlarm(stub);
    expect(await logged()).toEqual([[null, null, null]]);
    expect((await objectRows(stub)).erasedIds).toEqual([]);

    // Her device is no longer recognised: with the one device slot taken, it is a second device.
    const again = await fetchUrl(entry.download_url as string, { headers: aliceDevice });
    expectError(
      { status: again.status, headers: again.headers, body: (await again.json()) as unknown },
      403,
      "device_limit_reached",
    );
  });

  it("clears the customer's webhook dead letters too, so a replay sends nothing personal", async () => {
    const s = await setup();
    const letter = async (id: string, type: string, data: Record<string, unknown>) => {
      const body = JSON.stringify({ type, timestamp: "2026-11-27T10:00:00.000Z", data });
      await env.DB.prepare(
        "INSERT INTO webhook_dead_letters (id, tenant_id, webhook_id, type, body, attempts, last_status, last_error, failed_at) VALUES (?, ?, ?, ?, ?, 3, 500, 'x', 1)",
      )
        .bind(id, s.tenant.id, `msg_${id}`, type, body)
        .run();
    };
    const personal = { ip: "192.0.2.44", country: "DE", user_agent: "AliceBrowser/1" };
    await letter("dl-a", "download.completed", {
      event_id: "e1",
      link_id: s.alice.link_id,
      order_number: null,
      ...personal,
    });
    await letter("dl-o", "order.completed", { order_number: "A-1", customer_id: ALICE, links: [] });
    await letter("dl-b", "download.completed", {
      event_id: "e2",
      link_id: s.bob.link_id,
      order_number: null,
      ...personal,
    });
    // The export (right of access) lists the customer's letters, and only theirs.
    const exported = async (customer: string) =>
      (
        (await (await adminFetch(s.tenant, "GET", `/customers/${encodeURIComponent(customer)}/data`)).json()) as {
          webhook_dead_letters: { id: string; type: string; data: Record<string, unknown> }[];
        }
      ).webhook_dead_letters;
    const before = await exported(ALICE);
    expect(before.map((l) => l.id)).toEqual(["dl-a", "dl-o"]);
    expect(before[0]?.data).toMatchObject(personal);

    const answer = await admin<{ pseudonym: string; erased: { dead_letters: number } }>(
      s.tenant,
      "DELETE",
      `/customers/${encodeURIComponent(ALICE)}/personal-data`,
    );
    expect(answer.body.erased.dead_letters).toBe(2);
    const bodyOf = async (id: string) =>
      JSON.parse(
        (await env.DB.prepare("SELECT body FROM webhook_dead_letters WHERE id = ?").bind(id).first<{ body: string }>())
          ?.body ?? "null",
      ) as { data: Record<string, unknown> };
    expect((await bodyOf("dl-a")).data).toMatchObject({
      link_id: s.alice.link_id,
      ip: null,
      country: null,
      user_agent: null,
    });
    expect((await bodyOf("dl-o")).data).toEqual({ order_number: "A-1", customer_id: answer.body.pseudonym, links: [] });
    expect((await exported(answer.body.pseudonym)).map((l) => [l.id, l.data.ip ?? null])).toEqual([
      ["dl-a", null],
      ["dl-o", null],
    ]);
    // Another customer's letter is untouched, and no key is added where a payload had none.
    expect((await bodyOf("dl-b")).data).toMatchObject(personal);
    expect(Object.keys((await bodyOf("dl-o")).data)).not.toContain("ip");
  });

  it("answers 404 for an unknown customer and to another tenant's key, changing nothing", async () => {
    const s = await setup();
    expectError(await admin(s.tenant, "DELETE", "/customers/nobody/personal-data"), 404, "not_found");
    const other = await createTenantWithAdminKey();
    expectError(
      await admin(other, "DELETE", `/customers/${encodeURIComponent(ALICE)}/personal-data`),
      404,
      "not_found",
    );
    expect((await eventRows(s.tenant, s.alice.link_id)).map((r) => r.user_agent)).toEqual([
      "AliceBrowser/1",
      "AliceBrowser/1",
    ]);
    expectError(
      await admin(s.tenant, "DELETE", "/customers/bob/personal-data", { json: { all: true } }),
      400,
      "bad_request",
    );
  });
});

/** What a link's Durable Object holds that can name a customer, read from its SQLite tables, and its alarm. */
async function objectRows(stub: ReturnType<typeof linkStub>) {
  return runInDurableObject(stub, async (_instance, state) => {
    const sql = state.storage.sql;
    const has = (table: string) => sql.exec("SELECT 1 FROM sqlite_master WHERE name = ?", table).toArray().length > 0;
    return {
      devices: sql
        .exec<{ device: string }>("SELECT device FROM devices")
        .toArray()
        .map((r) => r.device),
      grantDevices: sql
        .exec<{ device: string }>("SELECT DISTINCT device FROM grants WHERE device IS NOT NULL")
        .toArray()
        .map((r) => r.device),
      sharingSeen: has("sharing_seen") ? sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sharing_seen").one().n : 0,
      erasedIds: has("erased_events")
        ? sql
            .exec<{ id: string }>("SELECT id FROM erased_events")
            .toArray()
            .map((r) => r.id)
        : [],
      alarm: await state.storage.getAlarm(),
    };
  });
}
