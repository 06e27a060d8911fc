/**
 * `PATCH /admin/v1/links/:id` and `POST …/reset` when D1 misbehaves or a cancel lands at the
 * same time (src/routes/admin/links/linkRecord.ts `changeLink`, patchLink.ts): a change the
 * link's object committed is answered 200, never 503 (a store retrying it would apply it
 * twice), and an un-revoke never re-opens a canceled order's link.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mirrorLinkState } from "../../../src/db/mirrorLinkState.ts";
import { linkStub } from "../../../src/links/linkStub.ts";
import worker from "../../../src/index.ts";
import { brokenD1, interceptingD1 } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  errorOf,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  placeOrder,
  uploadFile,
  type IssuerTenant,
} from "../../helpers/issuer.ts";

/** The issuer API straight into the Worker with `db` as its D1; waits for its background work. */
async function adminWith(db: D1Database, tenant: IssuerTenant, method: string, path: string, json?: unknown) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://${tenant.host}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${tenant.adminKey}`, "Content-Type": "application/json" },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    }),
    { ...env, DB: db },
    ctx,
  );
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, settled: waitOnExecutionContext(ctx) };
}

async function paidLink(grant: Record<string, unknown> = { download_limit: 3 }) {
  const tenant = await createTenantWithAdminKey();
  const file = await uploadFile(tenant);
  const order = await placeOrder(tenant, orderBody([file.id], { status: "complete" }, grant));
  return { tenant, order, entry: firstFile(order) };
}

const isLinkMirror = (sql: string) => sql.startsWith('UPDATE "links" SET "download_count"');

describe("a change the link's object committed", () => {
  it("answers 200 when D1's listing copy fails, so a retry never adds the downloads twice; the copy is repaired", async () => {
    const { tenant, entry } = await paidLink();
    const failingMirror = interceptingD1(isLinkMirror, () => Promise.reject(new Error("D1_ERROR: transient (test)")));
    const first = await adminWith(failingMirror, tenant, "PATCH", `/links/${entry.link_id}`, { add_downloads: 2 });
    expect(first).toMatchObject({ status: 200, body: { download_limit: 5, remaining_downloads: 5 } });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).extraDownloads).toBe(2);
    // The background retry writes the listing copy.
    await first.settled;
    expect(await linkRow(tenant.id, entry.link_id)).toMatchObject({ extra_downloads: 2 });
  });

  it("answers 503 and changes nothing when D1 is down before the change, so the store's retry applies it once", async () => {
    const { tenant, entry } = await paidLink();
    const down = brokenD1().db;
    const patched = await adminWith(down, tenant, "PATCH", `/links/${entry.link_id}`, { add_downloads: 1 });
    expect(patched).toMatchObject({ status: 503, body: { error: "unavailable" } });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).extraDownloads).toBe(0);
    const retried = await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { add_downloads: 1 } });
    expect(retried).toMatchObject({ status: 200, body: { download_limit: 4 } });
  });
});

describe("an un-revoke racing a cancel of the link's order", () => {
  it("never leaves the canceled order's link open: the un-revoke is refused with 409 and the link stays revoked", async () => {
    const { tenant, order, entry } = await paidLink({ download_limit: 5 });
    // The customer used the link (its object settled on the paid order), then the store revoked it.
    expect((await fetchUrl(entry.download_url as string)).status).toBe(200);
    expect((await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { revoked: true } })).status).toBe(200);

    // Pause the un-revoke right after it read the link and its order (still complete) from D1.
    let hasRead!: () => void;
    const read = new Promise<void>((resolve) => (hasRead = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const paused = interceptingD1(
      (sql) => sql.includes('from "links" inner join "orders"'),
      async (execute) => {
        const rows = await execute();
        hasRead();
        await gate;
        return rows;
      },
    );
    const unrevoke = adminWith(paused, tenant, "PATCH", `/links/${entry.link_id}`, { revoked: false });
    await read;
    const canceled = await admin(tenant, "POST", `/orders/${order.order_number}/cancel`);
    expect(canceled).toMatchObject({ status: 200, body: { status: "canceled" } });
    release();

    const answer = await unrevoke;
    expect(answer).toMatchObject({ status: 409, body: { error: "conflict" } });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).revoked).toBe(true);
    expect(await errorOf(await fetchUrl(entry.download_url as string))).toEqual({ status: 410, error: "revoked" });
  });

  it("revokes the link again and asks for a retry when the order cannot be read after the un-revoke", async () => {
    const { tenant, entry } = await paidLink();
    expect((await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { revoked: true } })).status).toBe(200);
    const orderReadFails = interceptingD1(
      // The order read alone (loadLink's read joins it to the link).
      (sql) => sql.startsWith("select ") && sql.includes(' from "orders" where ') && !sql.includes(" join "),
      () => Promise.reject(new Error("D1_ERROR: transient (test)")),
    );
    const answer = await adminWith(orderReadFails, tenant, "PATCH", `/links/${entry.link_id}`, { revoked: false });
    expect(answer).toMatchObject({ status: 503, body: { error: "unavailable" } });
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).revoked).toBe(true);
    // The retry goes through.
    expect((await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { revoked: false } })).status).toBe(200);
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).revoked).toBe(false);
  });
});

describe("a cancel and the listing copy", () => {
  it("keeps the links revoked in D1 when an older state's listing-copy write lands after the cancel", async () => {
    const { tenant, order, entry } = await paidLink();
    const stub = linkStub(env, tenant.id, entry.link_id);
    // The object's state moves on without its listing copy written yet, as after a download
    // whose log batch is still in its 200 ms window.
    const change = await stub.change({ addDownloads: 1 }, 3);
    if (!change.ok) throw new Error("the change was refused");
    const olderState = change.state;

    expect((await admin(tenant, "POST", `/orders/${order.order_number}/cancel`)).status).toBe(200);
    // Now that batch lands, with the state from before the cancel.
    await mirrorLinkState(env.DB, { tenantId: tenant.id, linkId: entry.link_id, state: olderState }).run();
    expect(await linkRow(tenant.id, entry.link_id)).toMatchObject({ revoked: 1 });
    expect((await stub.snapshot()).revoked).toBe(true);
  });
});
