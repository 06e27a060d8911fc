/**
 * docs/CONTRACT.md §6 rule 7 and STYLE.md rule 7 through the Worker's fetch: the hot path reads
 * no D1 row per request, so a warm isolate keeps serving while D1 is down.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { brokenD1, createTenant, gatewayWith as fetchWith, putFile, signLink } from "../helpers/fixtures.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("D1 outage", () => {
  it("keeps serving a warm tenant's download, counted, while every D1 query fails", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { limit: 5 });
    forgetTenant();
    expect((await fetchWith(tenant, `/downloads/${link.token}`, env)).status).toBe(200);

    const d1 = brokenD1();
    const ctx = createExecutionContext();
    const url = `https://${tenant.host}/downloads/${link.token}`;
    // A User-Agent: without one the request would be a scanner's, served uncounted (rule 4a).
    const headers = { "CF-Connecting-IP": "203.0.113.10", "User-Agent": "dlgate-tests/1" };
    const during = await worker.fetch(new Request(url, { headers }), { ...env, DB: d1.db }, ctx);
    expect(during.status).toBe(200);
    expect(new Uint8Array(await during.arrayBuffer())).toEqual(file.bytes);
    // Answered without one D1 query: only the download log write, after the answer, tries D1.
    expect(d1.calls()).toBe(0);
    await waitOnExecutionContext(ctx);
    expect(d1.calls()).toBeGreaterThan(0);
    expect((await link.stub.snapshot()).count).toBe(2);
    // Its event waits in the link's outbox for D1 to come back.
    expect(await link.stub.pendingEvents()).toBe(2);
  });

  it("serves the stale tenant after its 30 s TTL when the refresh from D1 fails", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file);
    forgetTenant();
    expect((await fetchWith(tenant, `/downloads/${link.token}`, env)).status).toBe(200);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 60_000);
    const d1 = brokenD1();
    const during = await fetchWith(tenant, `/downloads/${link.token}`, { ...env, DB: d1.db });
    // The refresh was tried (and failed), and the stale tenant answered anyway.
    expect(d1.calls()).toBeGreaterThan(0);
    expect(during.status).toBe(200);
    expect(during.body).toEqual(file.bytes);
    const infoDuring = await fetchWith(tenant, `/downloads/${link.token}/info`, { ...env, DB: d1.db });
    expect(infoDuring.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(infoDuring.body))).toMatchObject({ download_count: 2 });
  });

  it("answers a cold tenant 503 unavailable with Retry-After, and serves it once D1 is back", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file);
    forgetTenant();
    const d1 = brokenD1();
    const during = await fetchWith(tenant, `/downloads/${link.token}`, { ...env, DB: d1.db });
    expect(during.status).toBe(503);
    expect(during.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(JSON.parse(new TextDecoder().decode(during.body))).toMatchObject({ error: "unavailable" });
    expect((await link.stub.snapshot()).count).toBe(0);

    // The failure was not cached as "no such tenant".
    const after = await fetchWith(tenant, `/downloads/${link.token}`, env);
    expect(after.status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });
});
