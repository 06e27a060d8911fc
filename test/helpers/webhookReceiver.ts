/**
 * A webhook receiver for the workers tier: it answers the gateway's outbound POSTs to one
 * URL prefix (the Worker runs in the test's isolate, so a `fetch` spy sees its requests)
 * and verifies each one the way a store's Standard Webhooks library does — written here
 * from the specification alone, sharing no code with src/webhooks/.
 */
import { vi } from "vitest";

export interface ReceivedWebhook {
  url: string;
  headers: Record<string, string>;
  /** The raw body, exactly as received. */
  body: string;
  /** The body parsed: `{type, timestamp, data}`. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  /** What the receiver answered. */
  status: number;
}

/** 5 minutes, the tolerance the reference libraries use for `webhook-timestamp`. */
const TOLERANCE_SECONDS = 300;

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Standard Webhooks verification: headers present; timestamp within tolerance; for the key
 * = base64-decode(secret without `whsec_`), some space-separated `v1,<sig>` entry equals
 * base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)) (compared by `subtle.verify`, in
 * constant time). Returns true or the reason it failed.
 */
export async function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string>,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<true | string> {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return "missing headers";
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS)
    return "stale timestamp";
  const key = await crypto.subtle.importKey(
    "raw",
    base64ToBytes(secret.replace(/^whsec_/, "")),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const entry of signatures.split(" ")) {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) continue;
    let mac: Uint8Array;
    try {
      mac = base64ToBytes(signature);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify("HMAC", key, mac, signed)) return true;
  }
  return "no signature matches";
}

export interface Receiver {
  received: ReceivedWebhook[];
  /** Answers the next POSTs with these statuses, in order (then 200). */
  answerWith(...statuses: number[]): void;
  /** The received webhooks of one type, once there are at least `count` (polls; fails after the timeout). */
  waitFor(type: string, count?: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
}

/** Receives every POST whose URL starts with `prefix`; every other fetch goes out as usual. */
export function webhookReceiver(prefix: string): Receiver {
  const received: ReceivedWebhook[] = [];
  const script: number[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(prefix)) return original(input, init);
    const body = await request.text();
    const status = script.shift() ?? 200;
    received.push({
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body,
      payload: JSON.parse(body) as ReceivedWebhook["payload"],
      status,
    });
    return new Response(status === 200 ? "ok" : "nope", { status });
  });
  return {
    received,
    answerWith: (...statuses) => script.push(...statuses),
    async waitFor(type, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = received.filter((r) => r.payload.type === type);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline)
          throw new Error(`no ${count}× ${type}; received ${JSON.stringify(received.map((r) => r.payload.type))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
