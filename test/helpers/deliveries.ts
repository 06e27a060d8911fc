import { runInDurableObject } from "cloudflare:test";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import type { linkStub } from "../../src/links/linkStub.ts";
import { Outbox } from "../../src/links/Outbox.ts";

type Stub = ReturnType<typeof linkStub>;

/** The events waiting in the link's outbox, oldest first. */
export function outboxEvents(stub: Stub): Promise<DownloadEvent[]> {
  return runInDurableObject(stub, (_instance, state) =>
    new Outbox(state.storage.sql).oldest(10_000).map((entry) => entry.event),
  );
}

/**
 * Waits until every response body the links admitted has ended and been reported (no
 * event in an outbox still has `bytesSent` null), polling the objects: the report runs
 * in the request's waitUntil, after the response. Returns each link's events.
 */
export async function deliveriesSettled(stubs: readonly Stub[], timeoutMs = 10_000): Promise<DownloadEvent[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await Promise.all(stubs.map(outboxEvents));
    if (events.every((list) => list.every((e) => e.bytesSent !== null))) return events;
    if (Date.now() > deadline) throw new Error(`bodies still streaming: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `dlg_device` cookie a response pinned, as a request's Cookie header. */
export function deviceCookieOf(response: Response): string {
  const match = /dlg_device=([^;]+)/.exec(response.headers.get("Set-Cookie") ?? "");
  if (!match) throw new Error("the response set no device cookie");
  return `dlg_device=${match[1]}`;
}
