/**
 * The DownloadLink Durable Object through its RPC methods: counting, refunds, overrides,
 * persistence across eviction, and the flush retry schedule.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AdmitRequest, DownloadLink } from "../../src/links/DownloadLink.ts";
import type { AdmitResult, DeliveryReport } from "../../src/links/linkTypes.ts";
import type { Env } from "../../src/env.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { Outbox } from "../../src/links/Outbox.ts";
import type { Claims } from "../../src/token/claims.ts";
import { brokenD1, flushOutboxes, uid } from "../helpers/fixtures.ts";

function newLink() {
  const tenantId = uid("t");
  const linkId = uid("l");
  return { tenantId, linkId, stub: linkStub(env, tenantId, linkId) };
}

/** A GET of the whole file on `link` unless `overrides` says otherwise. */
function admitRequest(
  link: { tenantId: string; linkId: string },
  claims: Partial<Claims> = {},
  overrides: Partial<AdmitRequest> = {},
): AdmitRequest {
  return {
    link: { tenantId: link.tenantId, linkId: link.linkId, fileId: "f1", orderNumber: null },
    claims: { iss: link.tenantId, lid: link.linkId, fid: "f1", ...claims },
    clientIp: "203.0.113.10",
    device: "device-a",
    delivers: true,
    sendsBody: true,
    rangeStart: null,
    resumeWindowMs: 86_400_000,
    log: { ip: "203.0.113.10", userAgent: "tests/1", country: null, range: null },
    plannedStatus: 200,
    plannedBytes: 100,
    ...overrides,
  };
}

/**
 * How the body of `admitted` ended, as reportDelivery would tell the link: a threshold, a
 * charge and a budget of 50 bytes each unless `ended` says otherwise.
 */
function deliveryReport(
  admitted: AdmitResult,
  ended: Pick<DeliveryReport, "bytesSent" | "outcome"> & Partial<DeliveryReport>,
): DeliveryReport {
  if (!admitted.ok) throw new Error("expected an admission");
  return {
    event: admitted.event,
    grantId: admitted.grantId,
    failed: false,
    refundBelowBytes: 50,
    refundChargeBytes: 50,
    refundBudgetBytes: 50,
    ...ended,
  };
}

describe("DownloadLink claims memory", () => {
  it("keeps the newest token's claims across wake-ups, read with the state and rewritten only when they change", async () => {
    const link = newLink();
    const recalled = async () => (await link.stub.knownLink())?.claims;
    await link.stub.admit(admitRequest(link, { lim: 3 }));
    expect(await recalled()).toMatchObject({ lim: 3 });
    // A woken object starts from what is stored: a new token is written…
    await evictDurableObject(link.stub);
    await link.stub.admit(admitRequest(link, { lim: 5 }));
    expect(await recalled()).toMatchObject({ lim: 5 });
    // …and the first token again, after another wake-up, replaces it.
    await evictDurableObject(link.stub);
    await link.stub.admit(admitRequest(link, { lim: 3 }));
    expect(await recalled()).toMatchObject({ lim: 3 });
    // The claims never show in the link's snapshot (the state query reads them alongside).
    expect(await link.stub.snapshot()).not.toHaveProperty("storedClaims");
  });

  it("remembers only a token the file's bytes went out on: a HEAD or a refused token rewrites nothing", async () => {
    const link = newLink();
    const recalled = async () => (await link.stub.knownLink())?.claims;
    await link.stub.admit(admitRequest(link, { lim: 1 }));
    // Another token of the same link, asked with HEAD: answered, never remembered.
    const head = await link.stub.admit(admitRequest(link, { lim: 50, fn: "probe.txt" }, { sendsBody: false }));
    expect(head).toMatchObject({ ok: true });
    expect(await recalled()).toEqual(expect.objectContaining({ lim: 1 }));
    expect(await recalled()).not.toHaveProperty("fn");
    // A GET the link refuses (its one download is used) is not remembered either.
    const refused = await link.stub.admit(admitRequest(link, { lim: 1, fn: "other.txt" }, { device: "device-b" }));
    expect(refused).toMatchObject({ ok: false, reason: "limit_reached" });
    expect(await recalled()).not.toHaveProperty("fn");
  });

  it("keeps the first request's token while no download went out, and a download's token replaces it", async () => {
    const link = newLink();
    const recalled = async () => (await link.stub.knownLink())?.claims;
    await link.stub.admit(admitRequest(link, { lim: 2 }, { sendsBody: false }));
    expect(await recalled()).toMatchObject({ lim: 2 });
    await link.stub.admit(admitRequest(link, { lim: 4 }));
    expect(await recalled()).toMatchObject({ lim: 4 });
  });
});

describe("DownloadLink counting", () => {
  it("admits exactly lim counted downloads and refuses the next with limit_reached", async () => {
    const link = newLink();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await link.stub.admit(admitRequest(link, { lim: 3 })));
    expect(decisions.map((r) => (r.ok ? r.counted : r.reason))).toEqual([true, true, true, "limit_reached"]);
    expect((await link.stub.snapshot()).count).toBe(3);
    // Every decision, refusals included, goes to the outbox and from there to D1.
    await flushOutboxes([link.stub]);
    const { results } = await env.DB.prepare(
      "SELECT counted, error FROM download_events WHERE link_id = ? ORDER BY at, rowid",
    )
      .bind(link.linkId)
      .all();
    expect(results).toEqual([
      { counted: 1, error: null },
      { counted: 1, error: null },
      { counted: 1, error: null },
      { counted: 0, error: "limit_reached" },
    ]);
  });

  it("gives a refunded download back exactly once", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 1 }));
    if (!first.ok || first.grantId === null) throw new Error("expected a counted admission");
    const corrected = { ...first.event, status: 404, bytes: 0, counted: false, error: "not_found" };
    const after = await link.stub.refund(first.grantId, corrected);
    expect(after.count).toBe(0);
    expect((await link.stub.refund(first.grantId, corrected)).count).toBe(0);
    // The refunded slot can be used again, and only once.
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }))).toMatchObject({ ok: true, counted: true });
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }))).toMatchObject({ ok: false, reason: "limit_reached" });
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("keeps an event that a refund rewrote while its first version was being confirmed", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link));
    if (!first.ok) throw new Error("expected an admission");
    await runInDurableObject(link.stub, (_instance, state) => {
      const outbox = new Outbox(state.storage.sql);
      const read = outbox.oldest(10);
      // The refund lands between the confirmation's read and its delete.
      outbox.put({ ...first.event, status: 404, bytes: 0, counted: false, error: "not_found" });
      outbox.removeUnchanged(read);
      expect(outbox.oldest(10).map((entry) => entry.event.error)).toEqual(["not_found"]);
      outbox.removeUnchanged(outbox.oldest(10));
      expect(outbox.size()).toBe(0);
    });
  });

  it("does not treat a refunded download as one a range may resume for free", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 2 }));
    if (!first.ok || first.grantId === null) throw new Error("expected a counted admission");
    await link.stub.refund(first.grantId, { ...first.event, status: 404, counted: false, error: "not_found" });
    const ranged = await link.stub.admit(
      admitRequest(link, { lim: 2 }, { rangeStart: 100, plannedStatus: 206, plannedBytes: 50 }),
    );
    expect(ranged).toMatchObject({ ok: true, counted: true, resume: false });
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("counts nothing for a request that delivers no body (HEAD or prefetch)", async () => {
    const link = newLink();
    const result = await link.stub.admit(admitRequest(link, { lim: 1 }, { sendsBody: false }));
    expect(result).toMatchObject({ ok: true, counted: false, grantId: null });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("keeps count, devices and overrides across an eviction of the object", async () => {
    const link = newLink();
    await link.stub.admit(admitRequest(link, { lim: 5, dev: 2 }));
    await link.stub.change({ limitOverride: 9 }, null);
    await link.stub.change({ addDownloads: 1 }, null);
    await link.stub.change({ expiresAtOverride: 2_000_000_000 }, null);
    await link.stub.setRevoked(true);
    await evictDurableObject(link.stub);
    expect(await link.stub.snapshot()).toMatchObject({
      count: 1,
      deviceCount: 1,
      limitOverride: 9,
      extraDownloads: 1,
      expiresAtOverride: 2_000_000_000,
      revoked: true,
    });
  });

  it("lets a new device download on a one-device link after reset, keeping the overrides", async () => {
    const link = newLink();
    await link.stub.admit(admitRequest(link, { dev: 1 }));
    await link.stub.change({ limitOverride: 4 }, null);
    expect(await link.stub.admit(admitRequest(link, { dev: 1 }, { device: "device-b" }))).toMatchObject({
      ok: false,
      reason: "device_limit_reached",
    });
    const reset = await link.stub.reset();
    expect(reset).toMatchObject({ count: 0, deviceCount: 0, limitOverride: 4, lastCountedAt: null });
    expect(await link.stub.admit(admitRequest(link, { dev: 1 }, { device: "device-b" }))).toMatchObject({
      ok: true,
      counted: true,
    });
  });

  it("bumps the state version on every change, so D1 mirrors can refuse older writes", async () => {
    const link = newLink();
    const v0 = (await link.stub.snapshot()).version;
    await link.stub.admit(admitRequest(link));
    const v1 = (await link.stub.snapshot()).version;
    await link.stub.setRevoked(true);
    const v2 = (await link.stub.snapshot()).version;
    expect(v1).toBeGreaterThan(v0);
    expect(v2).toBeGreaterThan(v1);
  });
});

describe("DownloadLink resumes and finished bodies (rules 3, 4, 6)", () => {
  const ranged = { rangeStart: 100, plannedStatus: 206, plannedBytes: 50 };

  it("admits a free resume only for the device that took the counted download", async () => {
    const link = newLink();
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }))).toMatchObject({ ok: true, counted: true });
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }, ranged))).toMatchObject({
      ok: true,
      counted: false,
      resume: true,
    });
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }, { ...ranged, device: "device-b" }))).toMatchObject({
      ok: false,
      reason: "limit_reached",
    });
  });

  it("gives back a download aborted below the threshold, rewriting its event", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 1 }));
    const done = await link.stub.finish(deliveryReport(first, { bytesSent: 49, outcome: "aborted" }));
    expect(done).toMatchObject({ refunded: true, event: { bytesSent: 49, outcome: "aborted", counted: false } });
    expect(done.event.reason).toBe("refunded");
    expect(done.mirror?.state.count).toBe(0);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("gives early aborts back only within the link's refund budget; a source failure and a reset are exempt", async () => {
    const link = newLink();
    // Each abort is charged its threshold (50); the budget is the fraction of the file (80).
    const abortEarly = async (failed = false) => {
      const admitted = await link.stub.admit(admitRequest(link));
      return link.stub.finish(
        deliveryReport(admitted, { failed, refundBudgetBytes: 80, bytesSent: 1, outcome: "aborted" }),
      );
    };
    expect((await abortEarly()).refunded).toBe(true);
    // 50 + 50 would pass 80: this abort keeps its count, logged as an abort like any other.
    const second = await abortEarly();
    expect(second).toMatchObject({ refunded: false, event: { counted: true, outcome: "aborted", reason: null } });
    expect((await abortEarly(true)).refunded).toBe(true);
    expect((await link.stub.snapshot()).count).toBe(1);
    await link.stub.reset();
    expect((await abortEarly()).refunded).toBe(true);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("keeps a download aborted at or past the threshold, and a completed one", async () => {
    const link = newLink();
    for (const [bytesSent, outcome] of [
      [50, "aborted"],
      [100, "completed"],
    ] as const) {
      const admitted = await link.stub.admit(admitRequest(link));
      const done = await link.stub.finish(deliveryReport(admitted, { bytesSent, outcome }));
      expect(done).toMatchObject({ refunded: false, mirror: null, event: { bytesSent, outcome, counted: true } });
    }
    expect((await link.stub.snapshot()).count).toBe(2);
  });

  it("gives back a download whose source failed mid-body, however much was written", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 1 }));
    const done = await link.stub.finish(deliveryReport(first, { failed: true, bytesSent: 90, outcome: "aborted" }));
    expect(done).toMatchObject({ refunded: true, event: { counted: false, reason: "refunded", bytesSent: 90 } });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("never gives back a download a resume relied on", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 1 }));
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }, ranged))).toMatchObject({ resume: true });
    const done = await link.stub.finish(deliveryReport(first, { bytesSent: 0, outcome: "aborted" }));
    expect(done).toMatchObject({ refunded: false, event: { counted: true, outcome: "aborted" } });
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("does not let a HEAD of a range rely on a download", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { lim: 1 }));
    await link.stub.admit(admitRequest(link, { lim: 1 }, { ...ranged, sendsBody: false }));
    const done = await link.stub.finish(deliveryReport(first, { bytesSent: 0, outcome: "aborted" }));
    expect(done.refunded).toBe(true);
  });

  it("frees the device slot of a device whose only download was given back", async () => {
    const link = newLink();
    const first = await link.stub.admit(admitRequest(link, { dev: 1 }));
    await link.stub.finish(deliveryReport(first, { bytesSent: 1, outcome: "aborted" }));
    expect((await link.stub.snapshot()).deviceCount).toBe(0);
    expect(await link.stub.admit(admitRequest(link, { dev: 1 }, { device: "device-b" }))).toMatchObject({
      ok: true,
      counted: true,
    });
    // device-a now is a new device beyond the limit: no bytes, resumed or not.
    expect(await link.stub.admit(admitRequest(link, { dev: 1 }, ranged))).toMatchObject({
      ok: false,
      reason: "device_limit_reached",
    });
  });

  it("adds the device and resume columns to a link stored before they existed", async () => {
    const link = newLink();
    await runInDurableObject(link.stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE grants");
      sql.exec("DROP TABLE devices");
      sql.exec("DROP TABLE link_schema"); // objects of those releases had no stamp
      sql.exec(
        "CREATE TABLE grants (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0)",
      );
      sql.exec("CREATE TABLE devices (device TEXT PRIMARY KEY, first_seen INTEGER NOT NULL)");
      sql.exec("INSERT INTO grants (started_at) VALUES (?)", Date.now());
      sql.exec("INSERT INTO devices VALUES ('device-a', ?)", Date.now());
      sql.exec("UPDATE link SET count = 1");
    });
    await evictDurableObject(link.stub);
    // The old grant names no device, so it buys no free resume; device-a keeps its slot.
    expect(await link.stub.admit(admitRequest(link, { lim: 2, dev: 1 }, ranged))).toMatchObject({
      ok: true,
      counted: true,
    });
    expect(await link.stub.snapshot()).toMatchObject({ count: 2, deviceCount: 1 });
  });
});

describe("DownloadLink flush retries", () => {
  it("backs off further after each failed flush and empties the outbox once D1 answers", async () => {
    const link = newLink();
    await link.stub.admit(admitRequest(link));
    const d1 = brokenD1();
    await runInDurableObject(link.stub, (instance: DownloadLink) => {
      (instance as unknown as { env: Env }).env = { ...env, DB: d1.db };
    });

    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await runDurableObjectAlarm(link.stub);
      const at = await runInDurableObject(link.stub, (_instance, state) => state.storage.getAlarm());
      expect(at).not.toBeNull();
      delays.push((at ?? 0) - Date.now());
    }
    expect(d1.calls()).toBeGreaterThanOrEqual(3);
    expect(delays[0]).toBeGreaterThan(1_000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? Infinity);
    expect(await link.stub.pendingEvents()).toBe(1);

    await runInDurableObject(link.stub, (instance: DownloadLink) => {
      (instance as unknown as { env: Env }).env = env;
    });
    await flushOutboxes([link.stub]);
    const { results } = await env.DB.prepare("SELECT status, counted FROM download_events WHERE link_id = ?")
      .bind(link.linkId)
      .all();
    expect(results).toEqual([{ status: 200, counted: 1 }]);
  });
});

describe("DownloadLink's order status on first use, while D1 is down", () => {
  function withBrokenD1(link: ReturnType<typeof newLink>): Promise<void> {
    return runInDurableObject(link.stub, (instance: DownloadLink) => {
      (instance as unknown as { env: Env }).env = { ...env, DB: brokenD1().db };
    });
  }

  it("refuses the first use of a link that names an order (it might be unpaid), then decides once D1 answers", async () => {
    const link = newLink();
    await withBrokenD1(link);
    const request = admitRequest(link, { lim: 1 }, { link: { ...admitRequest(link).link, orderNumber: "ORD-1" } });
    expect(await link.stub.admit(request)).toMatchObject({ ok: false, reason: "unavailable" });
    // Nothing was counted or remembered as settled: the next request asks D1 again.
    expect((await link.stub.snapshot()).count).toBe(0);
    await runInDurableObject(link.stub, (instance: DownloadLink) => {
      (instance as unknown as { env: Env }).env = env;
    });
    // D1 knows no such link (a test link): the object decides on what it holds.
    expect(await link.stub.admit(request)).toMatchObject({ ok: true, counted: true });
  });

  it("decides a link that names no order on what it holds", async () => {
    const link = newLink();
    await withBrokenD1(link);
    expect(await link.stub.admit(admitRequest(link, { lim: 1 }))).toMatchObject({ ok: true, counted: true });
  });
});
