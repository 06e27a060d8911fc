/**
 * The count mirror: each link's Durable Object is the truth; its state after each
 * download reaches D1 `links` (for listings) with the batched download log write, and
 * the link's alarm writes it again when it has to write events D1 lacks. After a burst of
 * concurrent downloads, D1's count equals the Durable Object's; an older state never
 * overwrites a newer one.
 */
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mirrorLinkState } from "../../../src/db/mirrorLinkState.ts";
import worker from "../../../src/index.ts";
import { linkStub } from "../../../src/links/linkStub.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  orderFiles,
  placeOrder,
  readAnswer,
  uploadFile,
  type FileEntry,
  type IssuerTenant,
  type ListingEntry,
} from "../../helpers/issuer.ts";

/**
 * One download straight into the Worker's fetch handler: requests sent this way run
 * concurrently in this isolate (the loopback binding would line them up).
 */
async function downloadDirect(url: string, userAgent = "burst/1"): Promise<number> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(url, { headers: { "CF-Connecting-IP": "203.0.113.10", "User-Agent": userAgent } }),
    env,
    ctx,
  );
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return response.status;
}

async function burst(url: string, n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => downloadDirect(url, `burst/${i}`)));
}

async function eventCounts(tenantId: string, linkId: string) {
  const row = await env.DB.prepare(
    "SELECT COUNT(*) AS total, COALESCE(SUM(counted), 0) AS counted FROM download_events WHERE tenant_id = ? AND link_id = ?",
  )
    .bind(tenantId, linkId)
    .first<{ total: number; counted: number }>();
  return { total: row?.total ?? 0, counted: row?.counted ?? 0 };
}

/** Flushes the link's outbox and state mirror, then compares D1 with the Durable Object. */
async function flushAndCompare(tenant: IssuerTenant, entry: FileEntry) {
  const stub = linkStub(env, tenant.id, entry.link_id);
  await runDurableObjectAlarm(stub);
  const state = await stub.snapshot();
  const row = await linkRow(tenant.id, entry.link_id);
  return { state, row };
}

function count(statuses: number[], status: number): number {
  return statuses.filter((s) => s === status).length;
}

describe("count mirror under concurrent downloads", () => {
  it("after a burst on a limited link, D1's count equals the Durable Object's (and the limit held)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { size: 2000 });
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "burst" }, { download_limit: 5 }));
    const entry = firstFile(order);

    const statuses = await burst(entry.download_url as string, 20);
    expect(count(statuses, 200)).toBe(5);
    expect(count(statuses, 403)).toBe(15);

    const { state, row } = await flushAndCompare(tenant, entry);
    expect(state.count).toBe(5);
    expect(row).toMatchObject({
      download_count: state.count,
      count_version: state.version,
      last_download_at: state.lastCountedAt,
    });
    expect(await eventCounts(tenant.id, entry.link_id)).toEqual({ total: 20, counted: 5 });

    // The listing (read from D1) agrees: used up, so only shown with include_expired.
    const token = await customerToken(tenant, "burst");
    const shown = await readAnswer<{ data: ListingEntry[] }>(
      await customerGet(tenant, "/my/downloads?include_expired=true", token),
    );
    expect(shown.body.data[0]?.files[0]).toMatchObject({
      download_count: 5,
      remaining_downloads: 0,
      status: "exhausted",
      download_url: null,
    });
  });

  it("after a burst on an unlimited link, every download is counted in both places", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { size: 500 });
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id])));
    const statuses = await burst(entry.download_url as string, 25);
    expect(count(statuses, 200)).toBe(25);
    const { state, row } = await flushAndCompare(tenant, entry);
    expect(state.count).toBe(25);
    expect(row?.download_count).toBe(25);
    expect(await eventCounts(tenant.id, entry.link_id)).toEqual({ total: 25, counted: 25 });
  });

  it("keeps each link's count apart when bursts on two links of one order interleave", async () => {
    const tenant = await createTenantWithAdminKey();
    const one = await uploadFile(tenant);
    const two = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([one.id, two.id], {}, { download_limit: 4 }));
    const [a, b] = orderFiles(order) as [FileEntry, FileEntry];
    const statuses = await Promise.all([
      ...Array.from({ length: 7 }, () => downloadDirect(a.download_url as string)),
      ...Array.from({ length: 3 }, () => downloadDirect(b.download_url as string)),
    ]);
    expect(count(statuses.slice(0, 7), 200)).toBe(4);
    expect(count(statuses.slice(7), 200)).toBe(3);
    const first = await flushAndCompare(tenant, a);
    const second = await flushAndCompare(tenant, b);
    expect([first.state.count, first.row?.download_count]).toEqual([4, 4]);
    expect([second.state.count, second.row?.download_count]).toEqual([3, 3]);
  });

  it("follows downloads and admin changes at once, without waiting for the alarm", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id], {}, { download_limit: 3 })));
    expect(await downloadDirect(entry.download_url as string)).toBe(200);
    // No alarm has run: the download's own batched log write carried the new count.
    expect(await linkStub(env, tenant.id, entry.link_id).pendingEvents()).toBe(1);
    expect((await linkRow(tenant.id, entry.link_id))?.download_count).toBe(1);
    await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { add_downloads: 1 } });
    const state = await linkStub(env, tenant.id, entry.link_id).snapshot();
    expect(await linkRow(tenant.id, entry.link_id)).toMatchObject({
      download_count: 1,
      extra_downloads: 1,
      count_version: state.version,
    });
  });
});

describe("the mirror is monotonic", () => {
  it("never lets an older state overwrite a newer one, whatever its count", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id])));
    const stub = linkStub(env, tenant.id, entry.link_id);

    expect(await downloadDirect(entry.download_url as string)).toBe(200);
    const old = await stub.snapshot();
    expect(await downloadDirect(entry.download_url as string)).toBe(200);
    expect(await downloadDirect(entry.download_url as string)).toBe(200);
    await runDurableObjectAlarm(stub);
    const flushed = await linkRow(tenant.id, entry.link_id);
    expect(flushed?.download_count).toBe(3);

    // A delayed write of the older state (count 1) changes nothing.
    await mirrorLinkState(env.DB, { tenantId: tenant.id, linkId: entry.link_id, state: old }).run();
    expect(await linkRow(tenant.id, entry.link_id)).toEqual(flushed);

    // A newer state applies even though its count is lower (a reset).
    const reset = await stub.reset();
    expect(reset.version).toBeGreaterThan(flushed?.count_version as number);
    await mirrorLinkState(env.DB, { tenantId: tenant.id, linkId: entry.link_id, state: reset }).run();
    expect(await linkRow(tenant.id, entry.link_id)).toMatchObject({ download_count: 0, count_version: reset.version });

    // Counting goes on from the reset state.
    const after = await fetchUrl(entry.download_url as string);
    expect(after.status).toBe(200);
    await after.arrayBuffer();
    await runDurableObjectAlarm(stub);
    expect((await linkRow(tenant.id, entry.link_id))?.download_count).toBe(1);
  });
});
