/**
 * Who gets which webhooks: the tenant settings (validated strictly), subscriptions, the
 * queue consumer's decisions for one message (through `createMessageBatch`), and the
 * dead-letter API's pagination and tenant isolation.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index.ts";
import { emitWebhookEvents } from "../../../src/webhooks/emitWebhookEvents.ts";
import type { WebhookEvent } from "../../../src/webhooks/webhookEvents.ts";
import { webhookMessageOf, type WebhookMessage } from "../../../src/webhooks/webhookMessage.ts";
import { uid } from "../../helpers/fixtures.ts";
import { admin, createTenantWithAdminKey, expectError, operator, setTenantSettings } from "../../helpers/issuer.ts";
import { verifyStandardWebhook, webhookReceiver } from "../../helpers/webhookReceiver.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const completed: WebhookEvent = {
  type: "order.completed",
  key: "O-1",
  at: Date.UTC(2030, 0, 1),
  data: { order_number: "O-1", customer_id: "c-1", purchased_at: "2030-01-01T00:00:00.000Z", links: [] },
};
const exhausted: WebhookEvent = {
  type: "link.exhausted",
  key: "e-1",
  at: Date.UTC(2030, 0, 1),
  data: {
    link_id: "l-1",
    file_id: "f-1",
    order_number: null,
    event_id: "e-1",
    at: "2030-01-01T00:00:00.000Z",
    download_count: 1,
    download_limit: 1,
  },
};

describe("tenant settings webhook_url and webhook_events", () => {
  it("refuse plain http (except to localhost), credentials in the URL and unknown event types with 400", async () => {
    const tenant = await createTenantWithAdminKey();
    const patch = (settings: Record<string, unknown>) =>
      operator("PATCH", `/tenants/${tenant.id}`, { json: { settings } });
    for (const bad of ["http://shop.example/hooks", "ftp://shop.example/", "https://user:pw@shop.example/", "hooks"]) {
      expectError(await patch({ webhook_url: bad }), 400, "bad_request", ["settings.webhook_url"]);
    }
    expectError(await patch({ webhook_events: ["download.started"] }), 400, "bad_request", [
      "settings.webhook_events.0",
    ]);
    expectError(await patch({ webhook_events: ["link.flagged", "link.flagged"] }), 400, "bad_request");

    for (const good of ["https://shop.example/hooks", "http://localhost:9000/in", "http://127.0.0.1:8080/"]) {
      const answer = await patch({ webhook_url: good, webhook_events: ["link.flagged"] });
      expect(answer.status).toBe(200);
      expect((answer.body as { settings: Record<string, unknown> }).settings).toMatchObject({
        webhook_url: good,
        webhook_events: ["link.flagged"],
      });
    }
  });
});

describe("emitWebhookEvents", () => {
  it("queues only the types the tenant subscribes to", async () => {
    const tenant = await createTenantWithAdminKey({
      settings: { webhook_url: "https://x.test/", webhook_events: ["link.exhausted"] },
    });
    const sent = vi.spyOn(env.WEBHOOKS, "sendBatch");
    expect(await emitWebhookEvents(env, tenant.id, [completed, exhausted])).toBe(1);
    expect(sent).toHaveBeenCalledTimes(1);
    const [messages] = sent.mock.calls[0]!;
    expect([...messages].map((m) => (m.body as WebhookMessage).type)).toEqual(["link.exhausted"]);
  });

  it("every type by default; nothing at all for a tenant without webhook_url", async () => {
    const subscribed = await createTenantWithAdminKey({ settings: { webhook_url: "https://x.test/" } });
    const silent = await createTenantWithAdminKey();
    const sent = vi.spyOn(env.WEBHOOKS, "sendBatch");
    expect(await emitWebhookEvents(env, silent.id, [completed, exhausted])).toBe(0);
    expect(sent).not.toHaveBeenCalled();
    expect(await emitWebhookEvents(env, subscribed.id, [completed, exhausted])).toBe(2);
  });

  it("keeps what the queue refuses as dead letters the store can list and replay", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { webhook_url: "https://x.test/" } });
    vi.spyOn(env.WEBHOOKS, "sendBatch").mockRejectedValue(new Error("queue down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await emitWebhookEvents(env, tenant.id, [completed, exhausted])).toBe(0);
    expect(logged).toHaveBeenCalled();
    const expected = await Promise.all([completed, exhausted].map((event) => webhookMessageOf(tenant.id, event)));
    type Dead = { id: string; webhook_id: string; type: string; attempts: number; last_error: string };
    const listed = (await admin<{ data: Dead[] }>(tenant, "GET", "/webhooks/dead-letters")).body.data;
    expect(listed.map((d) => d.webhook_id).sort()).toEqual(expected.map((m) => m.webhook_id).sort());
    expect(listed[0]).toMatchObject({ attempts: 0, last_error: "could not be queued: queue down" });
    // The same events refused again are stored once.
    expect(await emitWebhookEvents(env, tenant.id, [completed])).toBe(0);
    expect((await admin<{ data: Dead[] }>(tenant, "GET", "/webhooks/dead-letters")).body.data).toHaveLength(2);
    // Once the queue is back, a replay sends the event as it was made.
    const sent = vi.spyOn(env.WEBHOOKS, "send");
    const dead = listed.find((d) => d.type === "order.completed")!;
    expect((await admin(tenant, "POST", `/webhooks/dead-letters/${dead.id}/replay`)).status).toBe(202);
    expect(sent.mock.calls[0]![0]).toEqual(expected.find((m) => m.type === "order.completed"));
  });

  it("never throws: a queue and a D1 that both fail are logged and nothing is counted as sent", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { webhook_url: "https://x.test/" } });
    vi.spyOn(env.WEBHOOKS, "sendBatch").mockRejectedValue(new Error("queue down"));
    // Its batch writes only: the tenant's settings are still read.
    vi.spyOn(env.DB, "batch").mockRejectedValue(new Error("D1 down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await emitWebhookEvents(env, tenant.id, [completed])).toBe(0);
    expect(logged.mock.calls.map((call) => String(call[0])).join("\n")).toMatch(/neither queued nor stored/);
  });
});

/** Runs the Worker's queue handler on one message of the delivery queue. */
async function consume(message: WebhookMessage, attempts: number, queue = "dlgate-webhooks") {
  const batch = createMessageBatch(queue, [{ id: uid("m"), timestamp: new Date(), attempts, body: message }]);
  // The test batch records that a message was retried, not the delay: the spy does.
  const retried = vi.spyOn(batch.messages[0]!, "retry");
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryDelays: retried.mock.calls.map(([options]) => options?.delaySeconds) };
}

describe("the delivery consumer", () => {
  async function setup() {
    const url = `https://${uid("hooks")}.test/in`;
    const tenant = await createTenantWithAdminKey({ settings: { webhook_url: url } });
    const secret = (await admin<{ secret: string }>(tenant, "POST", "/webhooks/secret")).body.secret;
    return { tenant, secret, receiver: webhookReceiver(url), message: await webhookMessageOf(tenant.id, completed) };
  }

  it("acknowledges a 2xx, and retries a failure after base × 2^(attempt−1) seconds", async () => {
    const { secret, receiver, message } = await setup();
    receiver.answerWith(500, 404);
    expect((await consume(message, 1)).retryDelays).toEqual([1]);
    expect((await consume(message, 2)).retryDelays).toEqual([2]);
    const ok = await consume(message, 2);
    expect(ok.explicitAcks).toHaveLength(1);
    expect(ok.retryDelays).toEqual([]);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 404, 200]);
    for (const r of receiver.received) expect(await verifyStandardWebhook(secret, r.headers, r.body)).toBe(true);
  });

  it("retries a receiver that cannot be reached, and does not follow redirects", async () => {
    const { receiver, message } = await setup();
    receiver.answerWith(302);
    expect((await consume(message, 1)).retryMessages).toHaveLength(1);
    vi.restoreAllMocks();
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("connection refused"));
    expect((await consume(message, 1)).retryMessages).toHaveLength(1);
  });

  it("after the last attempt sends the message to the dead-letter queue with the failure", async () => {
    const { receiver, message } = await setup();
    receiver.answerWith(502);
    const dead = vi.spyOn(env.WEBHOOKS_DEAD, "send");
    const result = await consume(message, 3);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(dead).toHaveBeenCalledWith({
      ...message,
      attempts: 3,
      last_status: 502,
      last_error: "the receiver answered 502",
    });
  });

  it("has at most 6 deliveries in flight, a Worker's connection limit, and sends every one of a batch of 10", async () => {
    const { tenant } = await setup();
    // A slow receiver: each answer takes a while, so the deliveries of one batch overlap.
    let inFlight = 0;
    let most = 0;
    let answered = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight -= 1;
      answered += 1;
      return new Response("ok");
    });
    const messages = await Promise.all(
      Array.from({ length: 10 }, (_, i) => webhookMessageOf(tenant.id, { ...completed, key: `O-${i}` })),
    );
    const batch = createMessageBatch(
      "dlgate-webhooks",
      messages.map((body) => ({ id: uid("m"), timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(answered).toBe(10);
    expect(most).toBe(6);
    expect(result.explicitAcks).toHaveLength(10);
  });

  it("drops the messages of a tenant that removed its webhook_url, and malformed ones", async () => {
    const { tenant, receiver, message } = await setup();
    await setTenantSettings(tenant, {});
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect((await consume(message, 1)).explicitAcks).toHaveLength(1);
    expect(logged).not.toHaveBeenCalled();
    expect((await consume({ nonsense: true } as unknown as WebhookMessage, 1)).explicitAcks).toHaveLength(1);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(receiver.received).toEqual([]);
  });
});

describe("dead letters", () => {
  async function deadLetter(tenantId: string, failedAt: number, type = "order.completed") {
    const message = await webhookMessageOf(tenantId, { ...completed, key: uid("k") });
    const batch = createMessageBatch("dlgate-webhooks-dead", [
      {
        id: uid("dl"),
        timestamp: failedAt,
        attempts: 1,
        body: { ...message, type, attempts: 12, last_status: 500, last_error: "x" },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
  }

  it("are listed newest first, page by page, and only to their own tenant", async () => {
    const tenant = await createTenantWithAdminKey();
    const other = await createTenantWithAdminKey();
    for (const at of [1000, 2000, 3000]) await deadLetter(tenant.id, at);
    await deadLetter(other.id, 4000);
    type Page = { data: { id: string; failed_at: string; attempts: number }[]; next_cursor: string | null };
    const first = await admin<Page>(tenant, "GET", "/webhooks/dead-letters?limit=2");
    expect(first.body.data.map((d) => d.failed_at)).toEqual(["1970-01-01T00:00:03.000Z", "1970-01-01T00:00:02.000Z"]);
    expect(first.body.data[0]!.attempts).toBe(12);
    const second = await admin<Page>(
      tenant,
      "GET",
      `/webhooks/dead-letters?limit=2&cursor=${encodeURIComponent(first.body.next_cursor!)}`,
    );
    expect(second.body.data.map((d) => d.failed_at)).toEqual(["1970-01-01T00:00:01.000Z"]);
    expect(second.body.next_cursor).toBeNull();

    const foreign = (await admin<Page>(other, "GET", "/webhooks/dead-letters")).body.data[0]!;
    expectError(await admin(tenant, "POST", `/webhooks/dead-letters/${foreign.id}/replay`), 404, "not_found");
    expectError(await admin(tenant, "GET", "/webhooks/dead-letters?limit=0"), 400, "bad_request", ["limit"]);
    expectError(await admin(tenant, "GET", "/webhooks/dead-letters?page=2"), 400, "bad_request");
  });

  it("a redelivered dead-letter batch is stored once", async () => {
    const tenant = await createTenantWithAdminKey();
    const message = await webhookMessageOf(tenant.id, completed);
    const id = uid("dl");
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch("dlgate-webhooks-dead", [
        { id, timestamp: 5000, attempts: i + 1, body: message },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      await getQueueResult(batch, ctx);
    }
    const listed = await admin<{ data: { last_error: string; attempts: null }[] }>(
      tenant,
      "GET",
      "/webhooks/dead-letters",
    );
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ attempts: null, last_error: "the queue gave up on it" });
  });

  it("rotating the secret needs the admin key, and the secret is shown only in the rotation's answer", async () => {
    const tenant = await createTenantWithAdminKey();
    expect((await admin(tenant, "POST", "/webhooks/secret", { key: null })).status).toBe(401);
    expectError(await admin(tenant, "POST", "/webhooks/secret", { json: { grace_seconds: -1 } }), 400, "bad_request", [
      "grace_seconds",
    ]);
    expectError(await admin(tenant, "POST", "/webhooks/secret", { json: { grace: 1 } }), 400, "bad_request");
    const rotated = await admin<{ secret: string; previous_valid_until: null }>(tenant, "POST", "/webhooks/secret");
    expect(rotated.body.previous_valid_until).toBeNull();
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    const stored = await env.DB.prepare("SELECT secret_enc FROM webhook_secrets WHERE tenant_id = ?")
      .bind(tenant.id)
      .first<{ secret_enc: string }>();
    expect(stored!.secret_enc).not.toContain(rotated.body.secret.slice(6, 20));
    const view = await operator("GET", `/tenants/${tenant.id}`);
    expect(JSON.stringify(view.body)).not.toContain(rotated.body.secret);
  });
});
