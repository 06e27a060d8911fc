/**
 * The order-change queue (src/orders/orderChanges.ts): a cancel, hold or release reaches D1
 * and then each link object; should the request die between the two (a deploy, a dropped
 * connection), the views already show every link revoked or suspended while the untold
 * links still serve. Each change therefore queues a recheck that tells every link again
 * from the order as D1 then holds it.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index.ts";
import { linkStub } from "../../../src/links/linkStub.ts";
import { ORDER_CHANGES_QUEUE, type OrderChangeMessage } from "../../../src/orders/orderChanges.ts";
import { brokenD1 } from "../../helpers/fixtures.ts";
import {
  adminDirect,
  createTenantWithAdminKey,
  fetchUrl,
  orderBody,
  orderFiles,
  placeOrder,
  uploadFile,
  type IssuerTenant,
} from "../../helpers/issuer.ts";

/** A paid order of two files, each downloaded once, so both link objects hold state of their own. */
async function usedOrder() {
  const tenant = await createTenantWithAdminKey();
  const files = [await uploadFile(tenant, { size: 300 }), await uploadFile(tenant, { size: 400 })];
  const order = await placeOrder(
    tenant,
    orderBody(
      files.map((f) => f.id),
      {},
      { download_limit: 5 },
    ),
  );
  const entries = orderFiles(order);
  for (const entry of entries) {
    const response = await fetchUrl(entry.download_url as string);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  return { tenant, number: order.order_number, entries };
}

/** What a cancel or hold writes to D1 before it tells the links: a request that died right after. */
async function d1Only(tenant: IssuerTenant, number: string, change: "cancel" | "hold" | "release") {
  const statements = {
    cancel: [
      env.DB.prepare("UPDATE orders SET status = 'canceled' WHERE tenant_id = ? AND number = ?"),
      env.DB.prepare("UPDATE links SET revoked = 1 WHERE tenant_id = ? AND order_number = ?"),
    ],
    hold: [
      env.DB.prepare(
        "UPDATE orders SET held_at = unixepoch(), hold_reason = 'review' WHERE tenant_id = ? AND number = ?",
      ),
      env.DB.prepare("UPDATE links SET held = 1 WHERE tenant_id = ? AND order_number = ?"),
    ],
    release: [
      env.DB.prepare("UPDATE orders SET held_at = NULL, hold_reason = NULL WHERE tenant_id = ? AND number = ?"),
      env.DB.prepare("UPDATE links SET held = 0 WHERE tenant_id = ? AND order_number = ?"),
    ],
  }[change];
  await env.DB.batch(statements.map((statement) => statement.bind(tenant.id, number)));
}

/** Runs the Worker's queue handler on one order-change message; its ack/retry state. */
async function recheck(body: unknown, bindings: typeof env = env) {
  const batch = createMessageBatch(ORDER_CHANGES_QUEUE, [{ id: "m-1", timestamp: Date.now(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, bindings);
  return getQueueResult(batch, ctx);
}

/** An order action (`POST path`) whose Worker sends to the order-change queue through `send`. */
function orderActionWithQueue(
  tenant: IssuerTenant,
  path: string,
  json: unknown,
  send: (body: unknown, options: unknown) => Promise<void>,
) {
  const queue = { send, sendBatch: () => Promise.reject(new Error("not used")) } as unknown as Queue;
  return adminDirect(tenant, "POST", path, { json }, { ...env, ORDER_CHANGES: queue });
}

async function statuses(entries: { download_url: string | null }[]) {
  const answers = await Promise.all(entries.map((entry) => fetchUrl(entry.download_url as string)));
  return Promise.all(
    answers.map(async (answer) => {
      const text = await answer.text();
      return answer.status === 200 ? 200 : `${answer.status} ${(JSON.parse(text) as { error: string }).error}`;
    }),
  );
}

afterEach(() => vi.restoreAllMocks());

describe("the order-change queue", () => {
  it("revokes the links of a cancel whose request died after D1 and before the links", async () => {
    const { tenant, number, entries } = await usedOrder();
    await d1Only(tenant, number, "cancel");
    // The gap: every view says revoked, the untold objects still serve.
    expect(await statuses(entries)).toEqual([200, 200]);

    const result = await recheck({ tenantId: tenant.id, orderNumber: number } satisfies OrderChangeMessage);
    expect(result.explicitAcks).toEqual(["m-1"]);
    expect(result.retryMessages).toEqual([]);
    expect(await statuses(entries)).toEqual(["410 revoked", "410 revoked"]);
    for (const entry of entries) {
      const state = await linkStub(env, tenant.id, entry.link_id).snapshot();
      expect(state).toMatchObject({ revoked: true, count: 2 });
    }
  });

  it("holds, then releases, the links of a hold and a release that died before the links", async () => {
    const { tenant, number, entries } = await usedOrder();
    await d1Only(tenant, number, "hold");
    expect(await statuses(entries)).toEqual([200, 200]);
    expect((await recheck({ tenantId: tenant.id, orderNumber: number })).explicitAcks).toEqual(["m-1"]);
    expect(await statuses(entries)).toEqual(["403 suspended", "403 suspended"]);

    await d1Only(tenant, number, "release");
    expect(await statuses(entries)).toEqual(["403 suspended", "403 suspended"]);
    expect((await recheck({ tenantId: tenant.id, orderNumber: number })).explicitAcks).toEqual(["m-1"]);
    expect(await statuses(entries)).toEqual([200, 200]);
  });

  it("reads the order as it is when the message runs: a hold's message after its release leaves the links free", async () => {
    const { tenant, number, entries } = await usedOrder();
    expect((await adminDirect(tenant, "POST", `/orders/${number}/hold`, { json: { reason: "review" } })).status).toBe(
      200,
    );
    expect((await adminDirect(tenant, "POST", `/orders/${number}/release`)).status).toBe(200);
    // The hold's own message, late: it tells the order's state now, not the hold's.
    await recheck({ tenantId: tenant.id, orderNumber: number });
    expect(await statuses(entries)).toEqual([200, 200]);
  });

  it("acks a message for an order that no longer exists, and one that is not an order change, changing nothing", async () => {
    const { tenant, entries } = await usedOrder();
    expect((await recheck({ tenantId: tenant.id, orderNumber: "no-such-order" })).explicitAcks).toEqual(["m-1"]);
    expect((await recheck({ orderNumber: 7 })).explicitAcks).toEqual(["m-1"]);
    expect((await recheck("hello")).explicitAcks).toEqual(["m-1"]);
    expect(await statuses(entries)).toEqual([200, 200]);
  });

  it("retries a message later while D1 cannot be read, and acks nothing", async () => {
    const { tenant, number, entries } = await usedOrder();
    await d1Only(tenant, number, "cancel");
    const result = await recheck({ tenantId: tenant.id, orderNumber: number }, { ...env, DB: brokenD1().db });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((message) => message.msgId)).toEqual(["m-1"]);
    expect(await statuses(entries)).toEqual([200, 200]);
  });

  it.each([
    ["cancel", "/cancel", undefined],
    ["hold", "/hold", { reason: "review" }],
    ["release", "/release", undefined],
  ])("a %s queues its recheck, delayed, once D1 has the change", async (_label, action, json) => {
    const { tenant, number } = await usedOrder();
    if (action === "/release") await adminDirect(tenant, "POST", `/orders/${number}/hold`, { json: { reason: "r" } });
    const sent: { body: unknown; options: unknown }[] = [];
    const answer = await orderActionWithQueue(tenant, `/orders/${number}${action}`, json, (body, options) =>
      Promise.resolve(void sent.push({ body, options })),
    );
    expect(answer.status).toBe(200);
    expect(sent).toEqual([
      { body: { tenantId: tenant.id, orderNumber: number }, options: { contentType: "json", delaySeconds: 1 } },
    ]);
  });

  it.each([
    ["cancel", "/cancel", undefined, "410 revoked"],
    ["hold", "/hold", { reason: "review" }, "403 suspended"],
  ])("a %s still reaches every link while the queue cannot take its recheck", async (_label, action, json, refusal) => {
    const { tenant, number, entries } = await usedOrder();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const answer = await orderActionWithQueue(tenant, `/orders/${number}${action}`, json, () =>
      Promise.reject(new Error("Queues is down (test double)")),
    );
    expect(answer.status).toBe(200);
    expect(await statuses(entries)).toEqual([refusal, refusal]);
    expect(errors.mock.calls.map((call) => String(call[0]))).toContainEqual(
      expect.stringContaining("the recheck could not be queued"),
    );
  });

  it("through the real queue, tells every link again about a second after a cancel", async () => {
    const { tenant, number, entries } = await usedOrder();
    const stubs = entries.map((entry) => linkStub(env, tenant.id, entry.link_id));
    expect((await adminDirect(tenant, "POST", `/orders/${number}/cancel`)).status).toBe(200);
    const told = await Promise.all(stubs.map(async (stub) => (await stub.snapshot()).version));
    // Each telling bumps the object's version: wait for the queue's, however long it takes.
    for (;;) {
      const now = await Promise.all(stubs.map(async (stub) => (await stub.snapshot()).version));
      if (now.every((version, i) => version > (told[i] as number))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await statuses(entries)).toEqual(["410 revoked", "410 revoked"]);
  });
});
