/**
 * DESIGN.md §6 rule 4 through the Worker's fetch: the count is taken before the body
 * starts, kept when the body was written far enough, and given back when the client
 * went away early — unless a resume relied on it.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import { Outbox } from "../../src/links/Outbox.ts";
import { createTenant, gateway, putFile, signLink, type TestLink } from "../helpers/fixtures.ts";

const SIZE = 4 * 1024 * 1024;

/** The link's events (outbox), once `n` of them carry an outcome; polls the object, with a deadline. */
async function finishedEvents(link: TestLink, n: number, timeoutMs = 10_000): Promise<DownloadEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await runInDurableObject(link.stub, (_i, state) =>
      new Outbox(state.storage.sql).oldest(1000).map((e) => e.event),
    );
    if (events.filter((e) => e.outcome !== null).length >= n) return events;
    if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("probe", () => {
  it("detects a cancelled body inside workerd", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: SIZE });
    const link = await signLink(tenant, file, { limit: 1 });
    const res = await gateway(tenant, `/downloads/${link.token}`);
    expect(res.headers.get("Content-Length")).toBe(String(SIZE));
    const reader = res.body!.getReader();
    const first = await reader.read();
    console.log("first chunk", first.value?.byteLength);
    await reader.cancel();
    const events = await finishedEvents(link, 1);
    console.log(JSON.stringify(events));
    console.log((await link.stub.snapshot()).count);
  });
});
