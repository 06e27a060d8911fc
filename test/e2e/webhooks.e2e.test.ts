/**
 * Webhooks over real HTTP: `wrangler dev` with its local queues (producer, consumer,
 * dead-letter queue) delivers to a small Node receiver, which verifies each delivery
 * with nothing but `node:crypto` — the snippet of README "Webhooks". Retries are shortened
 * to 1 s, 2 s and 3 attempts through `--var`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startTestGateway, type TestGateway } from "./gatewayProcess.ts";

/** README "Webhooks": verify a delivery with Node's crypto only. */
function verifyWebhook(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = String(headers["webhook-id"] ?? "");
  const timestamp = String(headers["webhook-timestamp"] ?? "");
  const signatures = String(headers["webhook-signature"] ?? "");
  if (!id || !timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  status: number;
}

let gateway: TestGateway;
let receiver: Server;
const received: Delivery[] = [];
/** Statuses the receiver answers, in order, to the deliveries about one order (then 200). */
const script = new Map<string, number[]>();
let adminKey = "";
let secret = "";

const gatewayUrl = (path: string) => `http://localhost:${gateway.port}${path}`;

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  bearer: string,
  json?: unknown,
): Promise<T> {
  const response = await fetch(gatewayUrl(path), {
    method,
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(json === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** The deliveries of one type (and order), once there are `count` (polling what the receiver got). */
async function deliveries(type: string, orderNumber: string, count = 1, timeoutMs = 60_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = received.filter((d) => d.payload.type === type && d.payload.data.order_number === orderNumber);
    if (matching.length >= count) return matching;
    if (Date.now() > deadline)
      throw new Error(
        `no ${count}× ${type}: ${JSON.stringify(received.map((d) => [d.payload.type, d.payload.data.order_number, d.status]))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const newOrderNumber = () => `W-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;

async function order(
  status: "complete" | "pending",
  limit: number,
  number = newOrderNumber(),
): Promise<{ order_number: string; url: string }> {
  const created = await call<{ order_number: string; items: { files: { download_url: string }[] }[] }>(
    "POST",
    "/admin/v1/orders",
    adminKey,
    {
      order_number: number,
      customer_id: "cust-w",
      status,
      items: [{ product: { id: "guide", name: "Guide" }, file_ids: ["guide"], grant: { download_limit: limit } }],
    },
  );
  return { order_number: created.order_number, url: created.items[0]!.files[0]!.download_url };
}

beforeAll(async () => {
  const port = await freePort();
  receiver = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      const payload = JSON.parse(body) as Delivery["payload"];
      const status = script.get(String(payload.data.order_number))?.shift() ?? 200;
      received.push({ headers: request.headers, body, payload, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  gateway = await startTestGateway("webhooks", {
    vars: { WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_MAX_ATTEMPTS: "3" },
  });
  const created = await call<{ admin_key: string }>("POST", "/admin/v1/tenants", gateway.operatorSecret, {
    id: "hooks",
    name: "Webhook Shop",
    hosts: ["localhost"],
    settings: { webhook_url: `http://127.0.0.1:${port}/hooks` },
  });
  adminKey = created.admin_key;
  secret = (await call<{ secret: string }>("POST", "/admin/v1/webhooks/secret", adminKey)).secret;
  const upload = await fetch(gatewayUrl("/admin/v1/files/guide?name=guide.pdf"), {
    method: "PUT",
    headers: { Authorization: `Bearer ${adminKey}`, "Content-Type": "application/pdf" },
    body: "%PDF-1.4 a tiny guide for webhooks",
  });
  expect(upload.status).toBe(201);
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe("webhooks from wrangler dev to a local receiver", () => {
  it("a paid order and its one download send order.completed, download.completed and link.exhausted, all verified", async () => {
    const placed = await order("complete", 1);
    expect(placed.url.startsWith(gatewayUrl("/"))).toBe(true);
    const download = await fetch(placed.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("%PDF-1.4 a tiny guide for webhooks");

    const [completedOrder] = await deliveries("order.completed", placed.order_number);
    const [completed] = await deliveries("download.completed", placed.order_number);
    const [exhausted] = await deliveries("link.exhausted", placed.order_number);
    for (const delivery of [completedOrder!, completed!, exhausted!]) {
      expect(verifyWebhook(secret, delivery.headers, delivery.body)).toBe(true);
      expect(delivery.headers["content-type"]).toBe("application/json");
    }
    expect(completedOrder!.payload.data.order_number).toBe(placed.order_number);
    expect(completed!.payload.data).toMatchObject({ order_number: placed.order_number, bytes_sent: 34, counted: true });
    expect(exhausted!.payload.data).toMatchObject({ download_count: 1, download_limit: 1 });
    expect(verifyWebhook(secret, completed!.headers, completed!.body.replace("34", "35"))).toBe(false);
  });

  it("a receiver answering 500 gets the delivery again; after three failures it is a dead letter, and a replay delivers it", async () => {
    const firstNumber = newOrderNumber();
    script.set(firstNumber, [500]);
    const first = await order("complete", 5, firstNumber);
    const [failed, retried] = await deliveries("order.completed", first.order_number, 2);
    expect([failed!.status, retried!.status]).toEqual([500, 200]);
    expect(retried!.headers["webhook-id"]).toBe(failed!.headers["webhook-id"]);
    expect(verifyWebhook(secret, retried!.headers, retried!.body)).toBe(true);

    const secondNumber = newOrderNumber();
    script.set(secondNumber, [503, 503, 503]);
    const second = await order("complete", 5, secondNumber);
    await deliveries("order.completed", second.order_number, 3);
    type Dead = { id: string; webhook_id: string; attempts: number; last_status: number; payload: Delivery["payload"] };
    let dead: Dead[] = [];
    for (const deadline = Date.now() + 60_000; dead.length === 0;) {
      if (Date.now() > deadline) throw new Error("no dead letter appeared");
      await new Promise((resolve) => setTimeout(resolve, 200));
      dead = (await call<{ data: Dead[] }>("GET", "/admin/v1/webhooks/dead-letters", adminKey)).data;
    }
    expect(dead[0]).toMatchObject({ attempts: 3, last_status: 503 });
    expect(dead[0]!.payload.data.order_number).toBe(second.order_number);

    await call("POST", `/admin/v1/webhooks/dead-letters/${encodeURIComponent(dead[0]!.id)}/replay`, adminKey);
    const all = await deliveries("order.completed", second.order_number, 4);
    expect(all[3]!.status).toBe(200);
    expect(all[3]!.headers["webhook-id"]).toBe(dead[0]!.webhook_id);
    expect(verifyWebhook(secret, all[3]!.headers, all[3]!.body)).toBe(true);
  });
});
