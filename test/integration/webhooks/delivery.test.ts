/**
 * Webhooks end to end inside workerd: real downloads and orders through the Worker, the
 * real queues of wrangler.toml (producer, consumer, dead-letter queue; the test config
 * retries after 1 s and 2 s and dead-letters after 3 attempts), and a receiver that
 * verifies every delivery like a store's Standard Webhooks library would.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { LinkWebhooks } from "../../../src/links/linkWebhooks.ts";
import type { WebhookMessage } from "../../../src/webhooks/webhookMessage.ts";
import {
  brokenD1,
  drain,
  eventRows,
  flushOutboxes,
  gateway,
  gatewayWith,
  putFile,
  signLink,
  uid,
  type TestLink,
} from "../../helpers/fixtures.ts";
import { admin, createTenantWithAdminKey, firstFile, orderBody, placeOrder, uploadFile } from "../../helpers/issuer.ts";
import { verifyStandardWebhook, webhookReceiver } from "../../helpers/webhookReceiver.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant that sends its webhooks to its own receiver URL, with a fresh secret. */
async function subscribedTenant(settings: Record<string, unknown> = {}) {
  const url = `https://${uid("hooks")}.test/in`;
  const tenant = await createTenantWithAdminKey({ settings: { webhook_url: url, ...settings } });
  const rotated = await admin<{ secret: string }>(tenant, "POST", "/webhooks/secret");
  expect(rotated.status).toBe(201);
  return { tenant, url, secret: rotated.body.secret, receiver: webhookReceiver(url) };
}

interface DeadLetter {
  id: string;
  webhook_id: string;
  type: string;
  payload: { type: string; data: Record<string, unknown> };
  attempts: number | null;
  last_status: number | null;
  last_error: string | null;
  replayed_at: string | null;
}

describe("webhooks from downloads", () => {
  it("a completed download sends download.completed, signed so a Standard Webhooks verifier accepts it", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    const file = await putFile(tenant, { size: 2000, filename: "book.pdf" });
    const link = await signLink(tenant, file, { order: "ORD-1" });
    const response = await drain(await gateway(tenant, `/downloads/${link.token}`));
    expect(response.status).toBe(200);

    const [delivery] = await receiver.waitFor("download.completed");
    expect(await verifyStandardWebhook(secret, delivery!.headers, delivery!.body)).toBe(true);
    expect(delivery!.headers["webhook-id"]).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(delivery!.payload.type).toBe("download.completed");
    expect(delivery!.payload.data).toMatchObject({
      link_id: link.linkId,
      file_id: file.id,
      order_number: "ORD-1",
      status: 200,
      bytes: 2000,
      bytes_sent: 2000,
      counted: true,
      reason: null,
    });
    // A tampered body, another secret or an old timestamp does not verify.
    const tampered = delivery!.body.replace('"bytes_sent":2000', '"bytes_sent":1');
    expect(await verifyStandardWebhook(secret, delivery!.headers, tampered)).toBe("no signature matches");
    const other = `whsec_${btoa("another secret of 32 bytes......")}`;
    expect(await verifyStandardWebhook(other, delivery!.headers, delivery!.body)).toBe("no signature matches");
    const later = Number(delivery!.headers["webhook-timestamp"]) + 3600;
    expect(await verifyStandardWebhook(secret, delivery!.headers, delivery!.body, later)).toBe("stale timestamp");
  });

  it("the download that uses the link up sends link.exhausted with the count and the limit", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    const file = await putFile(tenant, { size: 500 });
    const link = await signLink(tenant, file, { limit: 2 });
    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
    await receiver.waitFor("download.completed", 1);
    expect(receiver.received.filter((r) => r.payload.type === "link.exhausted")).toEqual([]);

    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
    const [exhausted] = await receiver.waitFor("link.exhausted");
    expect(await verifyStandardWebhook(secret, exhausted!.headers, exhausted!.body)).toBe(true);
    expect(exhausted!.payload.data).toMatchObject({ link_id: link.linkId, download_count: 2, download_limit: 2 });
    // The next request is refused, and sends nothing more.
    expect((await gateway(tenant, `/downloads/${link.token}`)).status).toBe(403);
    await receiver.waitFor("download.completed", 2);
    expect(receiver.received.filter((r) => r.payload.type === "link.exhausted")).toHaveLength(1);
  });

  it("a preview agent's uncounted request sends scanner.suppressed", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    const file = await putFile(tenant, { size: 500 });
    const link = await signLink(tenant, file);
    const response = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { "User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
    });
    await drain(response);
    const [suppressed] = await receiver.waitFor("scanner.suppressed");
    expect(await verifyStandardWebhook(secret, suppressed!.headers, suppressed!.body)).toBe(true);
    expect(suppressed!.payload.data).toMatchObject({ link_id: link.linkId, reason: "preview", bytes_sent: 0 });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("the download that takes a link past its sharing bound sends link.flagged once", async () => {
    const { tenant, secret, receiver } = await subscribedTenant({ sharing: { max_networks: 1, action: "flag" } });
    const file = await putFile(tenant, { size: 400 });
    const link = await signLink(tenant, file, { order: "ORD-9" });
    const from = (ip: string) => gateway(tenant, `/downloads/${link.token}`, { headers: { "CF-Connecting-IP": ip } });
    expect((await drain(await from("198.51.100.7"))).status).toBe(200);
    expect((await drain(await from("203.0.113.9"))).status).toBe(200);
    const [flagged] = await receiver.waitFor("link.flagged");
    expect(await verifyStandardWebhook(secret, flagged!.headers, flagged!.body)).toBe(true);
    expect(flagged!.payload.data).toMatchObject({
      link_id: link.linkId,
      order_number: "ORD-9",
      reason: "max_networks",
      networks: 2,
      action: "flag",
    });
    // A third network finds the link already flagged: served, and no second webhook.
    expect((await drain(await from("192.0.2.44"))).status).toBe(200);
    await receiver.waitFor("download.completed", 3);
    expect(receiver.received.filter((r) => r.payload.type === "link.flagged")).toHaveLength(1);
  });

  it("completing an order sends order.completed with its links", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    const book = await uploadFile(tenant, { name: "book.pdf", size: 300 });
    const order = await placeOrder(tenant, orderBody([book.id], { status: "pending" }));
    const complete = await admin(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect(complete.status).toBe(200);
    const [delivery] = await receiver.waitFor("order.completed");
    expect(await verifyStandardWebhook(secret, delivery!.headers, delivery!.body)).toBe(true);
    expect(delivery!.payload.data).toMatchObject({
      order_number: order.order_number,
      customer_id: "cust-1",
      links: [{ link_id: firstFile(order).link_id, file_id: book.id }],
    });
  });
});

/** Webhooks the link's Durable Object still owes (src/links/linkWebhooks.ts). */
function owedWebhooks(link: TestLink): Promise<number> {
  return runInDurableObject(link.stub, (_instance, state) => new LinkWebhooks(state.storage.sql).owed());
}

describe("webhooks of events the link's confirmation alarm writes (at least once)", () => {
  it("an event that reaches D1 only through the alarm sends its webhooks, with the ids the Worker gives them", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    const file = await putFile(tenant, { size: 700 });
    const link = await signLink(tenant, file, { limit: 1 });
    // The tenant's settings cached, as on any warm isolate.
    expect((await gateway(tenant, `/downloads/${link.token}/info`)).status).toBe(200);
    // The Worker's side of the download: its D1 write fails (it hands the final version to
    // the link), and what it queues is only recorded here, never delivered, standing for
    // the webhooks of an isolate lost before its batch went out.
    const queued: WebhookMessage[] = [];
    const workerQueue = {
      send: (body: WebhookMessage) => Promise.resolve(void queued.push(body)),
      sendBatch: (batch: { body: WebhookMessage }[]) => Promise.resolve(void queued.push(...batch.map((m) => m.body))),
    };
    const bindings = { ...env, DB: brokenD1().db, WEBHOOKS: workerQueue as unknown as typeof env.WEBHOOKS };
    expect((await gatewayWith(tenant, `/downloads/${link.token}`, bindings)).status).toBe(200);
    expect(queued.map((m) => m.type).sort()).toEqual(["download.completed", "link.exhausted"]);
    expect(await eventRows(tenant, link.linkId)).toEqual([]);

    await flushOutboxes([link.stub]);
    expect(await eventRows(tenant, link.linkId)).toMatchObject([{ outcome: "completed", bytes_sent: 700 }]);
    for (const type of ["download.completed", "link.exhausted"]) {
      const [delivery] = await receiver.waitFor(type);
      expect(await verifyStandardWebhook(secret, delivery!.headers, delivery!.body)).toBe(true);
      const worker = queued.find((m) => m.type === type)!;
      expect(delivery!.headers["webhook-id"]).toBe(worker.webhook_id);
      expect(delivery!.body).toBe(worker.body);
    }
    expect(await owedWebhooks(link)).toBe(0);
  });

  it("in the normal path the alarm sends nothing: the Worker's batch wrote and sent it all", async () => {
    const { tenant, receiver } = await subscribedTenant();
    const file = await putFile(tenant, { size: 300 });
    const link = await signLink(tenant, file, { limit: 1 });
    expect((await gatewayWith(tenant, `/downloads/${link.token}`, env)).status).toBe(200);
    await receiver.waitFor("link.exhausted");
    await flushOutboxes([link.stub]);
    expect(await owedWebhooks(link)).toBe(0);
    // Longer than the queue's batch timeout (1 s): anything the alarm queued would be here.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received.map((r) => r.payload.type).sort()).toEqual(["download.completed", "link.exhausted"]);
  });
});

describe("webhooks a link owes", () => {
  it("lose the address, country and User-Agent on erasure, like the outbox's events", async () => {
    const stub = linkStub(env, uid("t"), uid("l"));
    const data = await runInDurableObject(stub, (_instance, state) => {
      const webhooks = new LinkWebhooks(state.storage.sql);
      webhooks.owe("t", [
        {
          type: "scanner.suppressed",
          key: "e-1",
          at: 0,
          data: {
            event_id: "e-1",
            link_id: "l",
            file_id: "f",
            order_number: null,
            at: "1970-01-01T00:00:00.000Z",
            reason: "preview",
            status: 200,
            bytes_sent: 0,
            ip: "198.51.100.7",
            country: "DE",
            user_agent: "agent/1",
          },
        },
      ]);
      webhooks.forgetPersonalData();
      const row = state.storage.sql.exec<{ event: string }>("SELECT event FROM webhooks_due").one();
      return (JSON.parse(row.event) as { data: Record<string, unknown> }).data;
    });
    expect(data).toMatchObject({ event_id: "e-1", ip: null, country: null, user_agent: null });
  });
});

describe("delivery: retries, dead letters, replay, rotation", () => {
  it("a receiver that answers 500 gets the same message again, re-signed, until it answers 2xx", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    receiver.answerWith(500);
    const book = await uploadFile(tenant, { size: 100 });
    await placeOrder(tenant, orderBody([book.id], { status: "complete" }));
    const [failed, delivered] = await receiver.waitFor("order.completed", 2);
    expect([failed!.status, delivered!.status]).toEqual([500, 200]);
    expect(delivered!.headers["webhook-id"]).toBe(failed!.headers["webhook-id"]);
    expect(delivered!.body).toBe(failed!.body);
    expect(await verifyStandardWebhook(secret, delivered!.headers, delivered!.body)).toBe(true);
    expect(await verifyStandardWebhook(secret, failed!.headers, failed!.body)).toBe(true);
  });

  it("after its last attempt a delivery is a dead letter in the API, and a replay delivers it", async () => {
    const { tenant, secret, receiver } = await subscribedTenant();
    receiver.answerWith(503, 503, 503);
    const book = await uploadFile(tenant, { size: 100 });
    const order = await placeOrder(tenant, orderBody([book.id], { status: "complete" }));
    const attempts = await receiver.waitFor("order.completed", 3);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503]);

    let dead: DeadLetter[] = [];
    const deadline = Date.now() + 15_000;
    while (dead.length === 0) {
      if (Date.now() > deadline) throw new Error("no dead letter appeared");
      await new Promise((resolve) => setTimeout(resolve, 50));
      dead = (await admin<{ data: DeadLetter[] }>(tenant, "GET", "/webhooks/dead-letters")).body.data;
    }
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      webhook_id: attempts[0]!.headers["webhook-id"],
      type: "order.completed",
      attempts: 3,
      last_status: 503,
      last_error: "the receiver answered 503",
      replayed_at: null,
    });
    expect(dead[0]!.payload.data.order_number).toBe(order.order_number);

    const replay = await admin<DeadLetter>(tenant, "POST", `/webhooks/dead-letters/${dead[0]!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.replayed_at).toEqual(expect.any(String));
    const all = await receiver.waitFor("order.completed", 4);
    const replayed = all[3]!;
    expect(replayed.status).toBe(200);
    expect(replayed.headers["webhook-id"]).toBe(attempts[0]!.headers["webhook-id"]);
    expect(replayed.body).toBe(attempts[0]!.body);
    expect(await verifyStandardWebhook(secret, replayed.headers, replayed.body)).toBe(true);
    const listed = await admin<{ data: DeadLetter[] }>(tenant, "GET", "/webhooks/dead-letters");
    expect(listed.body.data[0]!.replayed_at).toBe(replay.body.replayed_at);
  });

  it("during a rotation's grace period each delivery verifies with the old and with the new secret", async () => {
    const { tenant, secret: old, receiver } = await subscribedTenant();
    const rotated = await admin<{ secret: string; previous_valid_until: string }>(tenant, "POST", "/webhooks/secret", {
      json: { grace_seconds: 3600 },
    });
    expect(rotated.status).toBe(201);
    const fresh = rotated.body.secret;
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(fresh).not.toBe(old);
    expect(Date.parse(rotated.body.previous_valid_until) - Date.now()).toBeGreaterThan(3500_000);

    const test = await admin<{ delivered: boolean; status: number }>(tenant, "POST", "/webhooks/test");
    expect(test.body).toMatchObject({ delivered: true, status: 200 });
    const [ping] = await receiver.waitFor("webhook.test");
    expect(ping!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(await verifyStandardWebhook(fresh, ping!.headers, ping!.body)).toBe(true);
    expect(await verifyStandardWebhook(old, ping!.headers, ping!.body)).toBe(true);

    // A rotation without grace: only the newest secret signs from now on.
    const cut = await admin<{ secret: string }>(tenant, "POST", "/webhooks/secret", { json: { grace_seconds: 0 } });
    await admin(tenant, "POST", "/webhooks/test");
    const [, second] = await receiver.waitFor("webhook.test", 2);
    expect(await verifyStandardWebhook(cut.body.secret, second!.headers, second!.body)).toBe(true);
    expect(await verifyStandardWebhook(fresh, second!.headers, second!.body)).toBe("no signature matches");
    expect(await verifyStandardWebhook(old, second!.headers, second!.body)).toBe("no signature matches");
  });

  it("the test endpoint reports a failing receiver, and refuses without a URL or a secret", async () => {
    const { tenant, receiver } = await subscribedTenant();
    receiver.answerWith(500);
    const failing = await admin(tenant, "POST", "/webhooks/test");
    expect(failing.body).toMatchObject({ delivered: false, status: 500, error: "the receiver answered 500" });

    const bare = await createTenantWithAdminKey();
    expect((await admin(bare, "POST", "/webhooks/test")).status).toBe(409);
    const noSecret = await createTenantWithAdminKey({ settings: { webhook_url: "https://x.test/" } });
    expect((await admin(noSecret, "POST", "/webhooks/test")).body).toMatchObject({ error: "conflict" });
  });
});
