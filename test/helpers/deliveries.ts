import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { downloadEvents } from "../../src/db/schema.ts";
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
 * Waits until every response body the links admitted has ended and its final version is
 * written somewhere: in the link's outbox (a refund, or a D1 write that failed) or in D1
 * (a body that ended without a refund goes there with the batched log only,
 * src/links/reportDelivery.ts). Polls, since both happen in the request's waitUntil,
 * after the response. Returns each link's events, oldest first, in their final versions.
 */
export async function deliveriesSettled(stubs: readonly Stub[], timeoutMs = 10_000): Promise<DownloadEvent[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await Promise.all(stubs.map(async (stub) => withLoggedVersions(await outboxEvents(stub))));
    if (events.every((list) => list.every((e) => e.bytesSent !== null))) return events;
    if (Date.now() > deadline) throw new Error(`bodies still streaming: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Each outbox event still in its first version replaced by the final one D1 holds, if any. */
async function withLoggedVersions(outbox: DownloadEvent[]): Promise<DownloadEvent[]> {
  const open = outbox.filter((e) => e.bytesSent === null).map((e) => e.id);
  if (open.length === 0) return outbox;
  const logged = await drizzle(env.DB).select().from(downloadEvents).where(inArray(downloadEvents.id, open));
  const final = new Map(logged.filter((row) => row.bytesSent !== null).map((row) => [row.id, row as DownloadEvent]));
  return outbox.map((e) => final.get(e.id) ?? e);
}

/** The `dlg_device` cookie a response pinned, as a request's Cookie header. */
export function deviceCookieOf(response: Response): string {
  const match = /dlg_device=([^;]+)/.exec(response.headers.get("Set-Cookie") ?? "");
  if (!match) throw new Error("the response set no device cookie");
  return `dlg_device=${match[1]}`;
}
