/**
 * docs/CONTRACT.md §6 rule 7: every request that reaches a link lands in its outbox (in the
 * count's transaction); the Worker writes the events to D1 `download_events` in batches
 * shared across requests; the link's alarm then confirms the outbox against D1, writing
 * only what D1 lacks. A D1 failure on either path keeps every event for the next try.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventsMissingFromLog, writeDownloadLog } from "../../src/db/downloadLog.ts";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import type { DownloadLink } from "../../src/links/DownloadLink.ts";
import type { Env } from "../../src/env.ts";
import { deliveriesSettled, deviceCookieOf, outboxEvents } from "../helpers/deliveries.ts";
import {
  brokenD1,
  createTenant,
  drain,
  flushOutboxes,
  eventRows,
  gateway,
  gatewayWith,
  putFile,
  recordingD1,
  signLink,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";

const SIZE = 1000;

/** Replaces the D1 binding of the live Durable Object instance behind `link`. */
function swapDb(link: TestLink, db: D1Database): Promise<void> {
  return runInDurableObject(link.stub, (instance: DownloadLink) => {
    (instance as unknown as { env: Env }).env = { ...env, DB: db };
  });
}

async function setup(grant: Parameters<typeof signLink>[2] = {}) {
  const tenant = await createTenant();
  const file = await putFile(tenant, { size: SIZE });
  const link = await signLink(tenant, file, { order: "ORD-7", ...grant });
  return { tenant, file, link };
}

async function hit(tenant: TestTenant, link: TestLink, init: RequestInit = {}) {
  return (await drain(await gateway(tenant, `/downloads/${link.token}`, init))).status;
}

describe("download events", () => {
  it("flushes one row per request with status, counted, bytes, range, ip, user agent and error", async () => {
    const { tenant, file, link } = await setup({ limit: 1 });
    expect(await hit(tenant, link, { method: "HEAD" })).toBe(200);
    const full = await drain(
      await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": "Browser/1" } }),
    );
    expect(full.status).toBe(200);
    // The same device (its cookie) resumes from another network: free, logged with the new address.
    const resume = { Range: "bytes=100-", "CF-Connecting-IP": "2001:db8::7", Cookie: deviceCookieOf(full) };
    expect(await hit(tenant, link, { headers: resume })).toBe(206);
    expect(await hit(tenant, link)).toBe(403);

    await deliveriesSettled([link.stub]);
    await flushOutboxes([link.stub]);
    const rows = await eventRows(tenant, link.linkId);
    expect(await link.stub.pendingEvents()).toBe(0);
    expect(rows.map((r) => [r.status, r.counted, r.bytes, r.range, r.error])).toEqual([
      [200, 0, SIZE, null, null],
      [200, 1, SIZE, null, null],
      [206, 0, SIZE - 100, "bytes=100-", null],
      [403, 0, 0, null, "limit_reached"],
    ]);
    expect(rows[1]).toMatchObject({
      tenant_id: tenant.id,
      link_id: link.linkId,
      file_id: file.id,
      order_number: "ORD-7",
      ip: "203.0.113.10",
      user_agent: "Browser/1",
    });
    expect(rows[2]).toMatchObject({ ip: "2001:db8::7", user_agent: "dlgate-tests/1" });
    expect(new Set(rows.map((r) => r.id)).size).toBe(4);
    for (const row of rows) expect(Math.abs(row.at - Date.now())).toBeLessThan(60_000);
  });

  it("records a refusal by policy with its error code and nothing counted", async () => {
    const { tenant, link } = await setup({ ips: ["198.51.100.0/24"] });
    expect(await hit(tenant, link)).toBe(403);
    await flushOutboxes([link.stub]);
    expect(await eventRows(tenant, link.linkId)).toMatchObject([
      { status: 403, counted: 0, bytes: 0, error: "ip_not_allowed", ip: "203.0.113.10" },
    ]);
  });

  it("records a download refunded because the object vanished as an uncounted 404", async () => {
    const { tenant, file, link } = await setup();
    expect(await hit(tenant, link)).toBe(200);
    await env.FILES.delete(`${tenant.id}/${file.id}`);
    expect(await hit(tenant, link)).toBe(404);
    expect((await link.stub.snapshot()).count).toBe(1);
    await flushOutboxes([link.stub]);
    expect((await eventRows(tenant, link.linkId)).map((r) => [r.status, r.counted, r.bytes, r.error])).toEqual([
      [200, 1, SIZE, null],
      [404, 0, 0, "not_found"],
    ]);
  });

  it("records 304, 412 and 416 answers as uncounted", async () => {
    const { tenant, link } = await setup();
    const etag = (await gateway(tenant, `/downloads/${link.token}`, { method: "HEAD" })).headers.get("ETag") ?? "";
    expect(await hit(tenant, link, { headers: { "If-None-Match": etag } })).toBe(304);
    expect(await hit(tenant, link, { headers: { "If-Match": '"x"' } })).toBe(412);
    expect(await hit(tenant, link, { headers: { Range: "bytes=5000-" } })).toBe(416);
    await flushOutboxes([link.stub]);
    const rows = await eventRows(tenant, link.linkId);
    expect(rows.map((r) => [r.status, r.counted, r.bytes])).toEqual([
      [200, 0, SIZE],
      [304, 0, 0],
      [412, 0, 0],
      [416, 0, 0],
    ]);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("keeps every event through a failed flush and writes them all once D1 is back", async () => {
    // A link that names no order: the first use of an order's link reads the order's status
    // from D1 and fails closed while D1 is down (downloadLink.test.ts covers that).
    const { tenant, link } = await setup({ order: undefined });
    // Wake the object first, so its D1 is broken before any event exists.
    await link.stub.snapshot();
    const d1 = brokenD1();
    await swapDb(link, d1.db);
    // The tenant is cached before D1 goes down (a cold tenant would be a 503, see d1Outage).
    expect((await gatewayWith(tenant, `/downloads/${link.token}/info`, env)).status).toBe(200);
    // The Worker's batched write fails too (it is awaited here, and nothing reaches D1).
    const during = { ...env, DB: d1.db };
    const path = `/downloads/${link.token}`;
    expect((await gatewayWith(tenant, path, during)).status).toBe(200);
    expect((await gatewayWith(tenant, path, during, { method: "HEAD" })).status).toBe(200);
    expect((await gatewayWith(tenant, path, during, { headers: { Range: "bytes=10-" } })).status).toBe(206);
    const workerWrites = d1.calls();
    expect(workerWrites).toBeGreaterThan(0);
    expect(await eventRows(tenant, link.linkId)).toEqual([]);
    expect(await link.stub.pendingEvents()).toBe(3);

    await runDurableObjectAlarm(link.stub);
    expect(d1.calls()).toBeGreaterThan(workerWrites);
    expect(await eventRows(tenant, link.linkId)).toEqual([]);
    expect(await link.stub.pendingEvents()).toBe(3);
    // The failed flush scheduled its own retry.
    const retryAt = await runInDurableObject(link.stub, (_instance, state) => state.storage.getAlarm());
    expect(retryAt).not.toBeNull();
    // Downloads go on during the outage.
    expect((await gatewayWith(tenant, path, during)).status).toBe(200);
    expect(await link.stub.pendingEvents()).toBe(4);

    await swapDb(link, env.DB);
    await flushOutboxes([link.stub]);
    const rows = await eventRows(tenant, link.linkId);
    // The bodies' final versions too: the Worker's failed write handed them to the link.
    expect(rows.map((r) => [r.status, r.counted, r.outcome, r.bytes_sent])).toEqual([
      [200, 1, "completed", SIZE],
      [200, 0, null, 0],
      [206, 0, "completed", SIZE - 10],
      [200, 1, "completed", SIZE],
    ]);
    expect((await link.stub.snapshot()).count).toBe(2);
  });

  it("writes nothing twice when the alarm runs again after a successful flush", async () => {
    const { tenant, link } = await setup();
    expect(await hit(tenant, link)).toBe(200);
    await flushOutboxes([link.stub]);
    await flushOutboxes([link.stub]);
    await runInDurableObject(link.stub, (instance: DownloadLink) => instance.alarm());
    expect(await eventRows(tenant, link.linkId)).toHaveLength(1);
  });

  it("writes the events of concurrent downloads on many links to D1 in one batch, before any alarm", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: SIZE });
    const links = await Promise.all(Array.from({ length: 20 }, () => signLink(tenant, file)));
    const d1 = recordingD1();
    const answers = await Promise.all(
      links.map((link) => gatewayWith(tenant, `/downloads/${link.token}`, { ...env, DB: d1.db })),
    );
    expect(answers.map((a) => a.status)).toEqual(links.map(() => 200));
    // The batch window collects them: one D1 transaction for all twenty on an idle host. A
    // busy host (CI) may spread twenty admissions over two or three 200 ms windows; what
    // must never happen is one write per download.
    expect(d1.batches()).toBeGreaterThanOrEqual(1);
    expect(d1.batches()).toBeLessThanOrEqual(3);
    for (const link of links) {
      expect((await eventRows(tenant, link.linkId)).map((r) => [r.status, r.counted])).toEqual([[200, 1]]);
      // The outbox keeps the event until the link's alarm has confirmed it.
      expect(await link.stub.pendingEvents()).toBe(1);
    }
  });

  it("keeps batching under a steady trickle: one D1 write per window, not one per request", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: SIZE });
    const links = await Promise.all(Array.from({ length: 8 }, () => signLink(tenant, file)));
    const d1 = recordingD1();
    const bindings = { ...env, DB: d1.db };
    // One request every 50 ms for about 400 ms: two 200 ms windows' worth.
    const answers: Promise<{ status: number }>[] = [];
    for (const link of links) {
      answers.push(gatewayWith(tenant, `/downloads/${link.token}`, bindings));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual(links.map(() => 200));
    expect(d1.batches()).toBeGreaterThanOrEqual(1);
    expect(d1.batches()).toBeLessThanOrEqual(3);
    for (const link of links) expect(await eventRows(tenant, link.linkId)).toHaveLength(1);
  });

  it("strands nothing when a slow D1 runs the writer out of time: its leftovers go to their links", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: SIZE });
    const [slowLink, lateLink] = await Promise.all([signLink(tenant, file), signLink(tenant, file)]);
    // The first batch takes longer than a writer may run (downloadLogBatch.ts, 10 s).
    let batches = 0;
    const slow: D1Database = Object.assign(Object.create(env.DB) as D1Database, {
      prepare: (query: string) => env.DB.prepare(query),
      batch: async (list: D1PreparedStatement[]) => {
        batches += 1;
        if (batches === 1) await new Promise((resolve) => setTimeout(resolve, 10_500));
        return env.DB.batch(list);
      },
    });
    const bindings = { ...env, DB: slow };
    const first = gatewayWith(tenant, `/downloads/${slowLink.token}`, bindings);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // This request completes while the writer waits for D1; its own context has no writer.
    expect((await gatewayWith(tenant, `/downloads/${lateLink.token}`, bindings)).status).toBe(200);
    expect((await first).status).toBe(200);
    // Both contexts are done. The late download's final version (bytes written, outcome)
    // reached its link's outbox, and the alarm writes it.
    expect(await outboxEvents(lateLink.stub)).toMatchObject([{ outcome: "completed", bytesSent: SIZE }]);
    await flushOutboxes([lateLink.stub]);
    expect(await eventRows(tenant, lateLink.linkId)).toMatchObject([{ outcome: "completed", bytes_sent: SIZE }]);
  });

  it("schedules one confirmation 5-10 minutes after the first unconfirmed event, not one per event", async () => {
    const { tenant, link } = await setup();
    const before = Date.now();
    expect(await hit(tenant, link)).toBe(200);
    const alarmAt = () => runInDurableObject(link.stub, (_instance, state) => state.storage.getAlarm());
    const first = await alarmAt();
    expect(first).toBeGreaterThanOrEqual(before + 5 * 60_000);
    expect(first).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    expect(await hit(tenant, link)).toBe(200);
    expect(await alarmAt()).toBe(first);
    expect(await link.stub.pendingEvents()).toBe(2);
  });

  it("never moves a pending alarm later: a fresh instance keeps the confirmation and a D1 retry's 2 s alarm", async () => {
    const { tenant, link } = await setup({ order: undefined });
    const alarmAt = () => runInDurableObject(link.stub, (_instance, state) => state.storage.getAlarm());
    expect(await hit(tenant, link)).toBe(200);
    const first = await alarmAt();
    expect(first).not.toBeNull();
    // Each request after the object was evicted (a link used every few minutes) finds a
    // new instance: the alarm the first request set must stay where it is.
    await evictDurableObject(link.stub);
    expect(await hit(tenant, link)).toBe(200);
    expect(await alarmAt()).toBe(first);

    // A confirmation that meets a broken D1 schedules its retry in about 2 s…
    await swapDb(link, brokenD1().db);
    await runDurableObjectAlarm(link.stub);
    const retryAt = await alarmAt();
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 5_000);
    // …and the next request, on a freshly woken instance, leaves that retry alone.
    await evictDurableObject(link.stub);
    expect(await hit(tenant, link)).toBe(200);
    expect(await alarmAt()).toBe(retryAt);
    await flushOutboxes([link.stub]);
    expect(await eventRows(tenant, link.linkId)).toHaveLength(3);
  });

  it("confirms events already in D1 with one read and no write, then empties the outbox", async () => {
    const { tenant, link } = await setup();
    // Its own binding, so this request's batch is written before gatewayWith returns.
    const direct = recordingD1();
    expect((await gatewayWith(tenant, `/downloads/${link.token}`, { ...env, DB: direct.db })).status).toBe(200);
    expect(direct.batches()).toBe(1);
    expect(await eventRows(tenant, link.linkId)).toHaveLength(1);
    const d1 = recordingD1();
    await swapDb(link, d1.db);
    await runDurableObjectAlarm(link.stub);
    expect(await link.stub.pendingEvents()).toBe(0);
    expect(d1.batches()).toBe(0);
    expect(d1.statements).toHaveLength(1);
    expect(d1.statements[0]).toMatch(/^select /i);
    expect(await eventRows(tenant, link.linkId)).toHaveLength(1);
  });

  it("keeps an event's final version, whichever of the two versions D1 receives first", async () => {
    const tenant = await createTenant();
    // The first version, as the link admitted it: the body has not ended yet.
    const admitted = (linkId: string): DownloadEvent => ({
      id: crypto.randomUUID(),
      tenantId: tenant.id,
      linkId,
      fileId: "f",
      orderNumber: null,
      at: Date.now(),
      ip: null,
      userAgent: null,
      country: null,
      range: null,
      status: 200,
      bytes: SIZE,
      bytesSent: null,
      outcome: null,
      reason: null,
      counted: true,
      device: null,
      error: null,
    });
    const finals: Record<string, (event: DownloadEvent) => DownloadEvent> = {
      // The object vanished after the count: given back as the error.
      failed: (event) => ({ ...event, status: 404, bytes: 0, bytesSent: 0, counted: false, error: "not_found" }),
      // The client left after 10 bytes: given back, aborted.
      refunded: (event) => ({ ...event, bytesSent: 10, outcome: "aborted", counted: false, reason: "refunded" }),
      completed: (event) => ({ ...event, bytesSent: SIZE, outcome: "completed" }),
    };
    const expected = {
      failed: [404, 0, 0, 0, null, null, "not_found"],
      refunded: [200, 0, SIZE, 10, "aborted", "refunded", null],
      completed: [200, 1, SIZE, SIZE, "completed", null, null],
    };
    for (const [name, final] of Object.entries(finals)) {
      const inOrder = admitted(`${name}-in-order`);
      await writeDownloadLog(env.DB, [inOrder]);
      await writeDownloadLog(env.DB, [final(inOrder)]);
      const reversed = admitted(`${name}-reversed`);
      await writeDownloadLog(env.DB, [final(reversed)]);
      await writeDownloadLog(env.DB, [reversed]);
      for (const linkId of [`${name}-in-order`, `${name}-reversed`]) {
        const rows = await env.DB.prepare(
          "SELECT status, counted, bytes, bytes_sent, outcome, reason, error FROM download_events WHERE tenant_id = ? AND link_id = ?",
        )
          .bind(tenant.id, linkId)
          .raw();
        expect(rows, linkId).toEqual([expected[name as keyof typeof expected]]);
      }
    }
  });

  it("sends a completed body's final version to D1 alone: no second call to the link, whose alarm keeps D1's", async () => {
    const { tenant, link } = await setup();
    expect(await hit(tenant, link)).toBe(200);
    const [final] = (await deliveriesSettled([link.stub]))[0] ?? [];
    if (!final) throw new Error("no final event");
    expect(final).toMatchObject({ bytesSent: SIZE, outcome: "completed", counted: true });
    // The link still holds the version of the admission: nothing told it how the body ended.
    expect(await outboxEvents(link.stub)).toMatchObject([{ id: final.id, bytesSent: null, outcome: null }]);
    await flushOutboxes([link.stub]);
    expect(await link.stub.pendingEvents()).toBe(0);
    expect(await eventRows(tenant, link.linkId)).toMatchObject([
      { bytes_sent: SIZE, outcome: "completed", counted: 1 },
    ]);
  });

  it("finds an event whose final version D1 lacks, so the link's alarm writes it", async () => {
    const { tenant, link } = await setup();
    expect(await hit(tenant, link)).toBe(200);
    const [final] = (await deliveriesSettled([link.stub]))[0] ?? [];
    if (!final) throw new Error("no final event");
    // The Worker's D1 write failed, so it handed the final version to the link (the
    // fallback the next test drives end to end)…
    await link.stub.keepFinalEvent(final);
    // …and D1 holds the first version only.
    const first: DownloadEvent = { ...final, bytesSent: null, outcome: null };
    await env.DB.prepare("DELETE FROM download_events WHERE id = ?").bind(final.id).run();
    await writeDownloadLog(env.DB, [first]);
    expect(await eventsMissingFromLog(env.DB, [final])).toEqual([final]);
    expect(await eventsMissingFromLog(env.DB, [first])).toEqual([]);
    await flushOutboxes([link.stub]);
    expect(await eventRows(tenant, link.linkId)).toMatchObject([{ bytes_sent: SIZE, outcome: "completed" }]);
  });

  it("logs nothing for /info", async () => {
    const { tenant, link } = await setup();
    for (let i = 0; i < 3; i++) expect((await gateway(tenant, `/downloads/${link.token}/info`)).status).toBe(200);
    expect(await link.stub.pendingEvents()).toBe(0);
    await flushOutboxes([link.stub]);
    expect(await eventRows(tenant, link.linkId)).toEqual([]);
  });
});
