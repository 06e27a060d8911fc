import { describe, expect, it } from "vitest";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import { retryDelaySeconds } from "../../src/webhooks/deliverWebhooks.ts";
import { downloadWebhookEvents } from "../../src/webhooks/downloadWebhooks.ts";
import { newWebhookSecret, signatureFor, webhookHeaders, webhookSecretBytes } from "../../src/webhooks/signWebhook.ts";
import { webhookPayloadSchemas } from "../../src/webhooks/webhookEvents.ts";
import { webhookIdOf } from "../../src/webhooks/webhookMessage.ts";
import { verifyStandardWebhook } from "../helpers/webhookReceiver.ts";

describe("Standard Webhooks signer", () => {
  it("reproduces the specification's published test vector", async () => {
    expect(
      await signatureFor(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("makes whsec_ secrets of 32 random bytes, and signs with every secret given, space-separated", async () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).not.toBe(b);
    expect(webhookSecretBytes(a!)).toHaveLength(32);
    const headers = await webhookHeaders([a!, b!], "msg_x", 1_700_000_000, '{"k":1}');
    expect(headers["webhook-id"]).toBe("msg_x");
    expect(headers["webhook-timestamp"]).toBe("1700000000");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    expect(await verifyStandardWebhook(a!, headers, '{"k":1}', 1_700_000_010)).toBe(true);
    expect(await verifyStandardWebhook(b!, headers, '{"k":1}', 1_700_000_010)).toBe(true);
    expect(await verifyStandardWebhook(newWebhookSecret(), headers, '{"k":1}', 1_700_000_010)).toBe(
      "no signature matches",
    );
  });

  it("gives the same event the same webhook-id, and other tenants, types or keys another", async () => {
    const id = await webhookIdOf("t1", { type: "download.completed", key: "e1" });
    expect(await webhookIdOf("t1", { type: "download.completed", key: "e1" })).toBe(id);
    expect(await webhookIdOf("t2", { type: "download.completed", key: "e1" })).not.toBe(id);
    expect(await webhookIdOf("t1", { type: "scanner.suppressed", key: "e1" })).not.toBe(id);
    expect(await webhookIdOf("t1", { type: "download.completed", key: "e2" })).not.toBe(id);
  });
});

describe("retry schedule", () => {
  it("doubles from the base after each failed attempt, capped at 12 hours", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30))).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(30, 30)).toBe(43_200);
  });
});

function event(extra: Partial<DownloadEvent> = {}): DownloadEvent {
  return {
    id: "e1",
    tenantId: "t1",
    linkId: "l1",
    fileId: "f1",
    orderNumber: "O1",
    at: Date.UTC(2030, 0, 2),
    ip: "203.0.113.9",
    userAgent: "curl/8",
    country: "DE",
    range: null,
    status: 200,
    bytes: 100,
    bytesSent: null,
    outcome: null,
    counted: true,
    reason: null,
    device: "d1",
    error: null,
    ...extra,
  };
}

const types = (list: { type: string }[]) => list.map((e) => e.type);

describe("which webhooks a download log entry stands for", () => {
  it("a body still streaming: none yet", () => {
    expect(downloadWebhookEvents({ event: event() })).toEqual([]);
  });

  it("a body that ended: download.completed or download.aborted, with a payload its schema accepts", () => {
    const [completed] = downloadWebhookEvents({ event: event({ outcome: "completed", bytesSent: 100 }) });
    expect(completed!.type).toBe("download.completed");
    expect(webhookPayloadSchemas["download.completed"].parse(completed!.data)).toMatchObject({
      event_id: "e1",
      at: "2030-01-02T00:00:00.000Z",
      bytes_sent: 100,
    });
    const aborted = downloadWebhookEvents({
      event: event({ outcome: "aborted", bytesSent: 10, counted: false, reason: "refunded" }),
    });
    expect(types(aborted)).toEqual(["download.aborted"]);
    expect(aborted[0]!.data).toMatchObject({ counted: false, reason: "refunded" });
  });

  it("refusals and errors: none", () => {
    expect(downloadWebhookEvents({ event: event({ status: 403, error: "limit_reached", bytesSent: 0 }) })).toEqual([]);
  });

  it("a preview card (bodyless) and a scanner pass (once its body ended): scanner.suppressed", () => {
    const preview = downloadWebhookEvents({ event: event({ counted: false, reason: "preview", bytesSent: 0 }) });
    expect(types(preview)).toEqual(["scanner.suppressed"]);
    expect(webhookPayloadSchemas["scanner.suppressed"].parse(preview[0]!.data).reason).toBe("preview");
    const streaming = event({ counted: false, reason: "scanner" });
    expect(downloadWebhookEvents({ event: streaming })).toEqual([]);
    const ended = downloadWebhookEvents({ event: { ...streaming, outcome: "completed", bytesSent: 100 } });
    expect(types(ended)).toEqual(["download.completed", "scanner.suppressed"]);
  });

  it("link.exhausted only with the final version of a download that stayed counted", () => {
    const exhausted = { downloadCount: 3, downloadLimit: 3 };
    const kept = downloadWebhookEvents({ event: event({ outcome: "completed", bytesSent: 100 }), exhausted });
    expect(types(kept)).toEqual(["download.completed", "link.exhausted"]);
    expect(webhookPayloadSchemas["link.exhausted"].parse(kept[1]!.data)).toMatchObject({
      download_count: 3,
      download_limit: 3,
    });
    const givenBack = event({ outcome: "aborted", bytesSent: 1, counted: false, reason: "refunded" });
    expect(types(downloadWebhookEvents({ event: givenBack, exhausted }))).toEqual(["download.aborted"]);
  });
});
