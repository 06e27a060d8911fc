/**
 * docs/CONTRACT.md §6 rule 5: N concurrent requests on a link with limit L yield exactly
 * min(N, L) counted successes. Every request goes through the Worker's fetch at once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createTenant,
  flushOutboxes,
  gateway,
  putFile,
  signLink,
  type StoredFile,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";
import { deliveriesSettled } from "../helpers/deliveries.ts";

interface Outcome {
  status: number;
  /** The delivered bytes of a success, or the error code of a refusal. */
  bytes?: Uint8Array;
  error?: unknown;
}

/** One GET; the body is read to the end (success) or parsed (error), never left open. */
async function get(tenant: TestTenant, link: TestLink, index: number): Promise<Outcome> {
  const response = await gateway(tenant, `/downloads/${link.token}`, {
    // Different clients, so nothing in the path can serialise them by device or address.
    headers: { "User-Agent": `client-${index}`, "CF-Connecting-IP": `198.51.${index % 256}.${(index * 7) % 256}` },
  });
  if (response.status === 200) return { status: 200, bytes: new Uint8Array(await response.arrayBuffer()) };
  const body: { error?: unknown } = await response.json();
  return { status: response.status, error: body.error };
}

/** Fisher–Yates with a fixed seed, so a failure reproduces. */
function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Flushes the links' outboxes now, and answers how many events and counted events D1 holds for them. */
async function flushedEvents(tenant: TestTenant, links: TestLink[]): Promise<{ events: number; counted: number }> {
  await flushOutboxes(links.map((link) => link.stub));
  const row = await env.DB.prepare(
    "SELECT COUNT(*) AS events, COALESCE(SUM(counted), 0) AS counted FROM download_events WHERE tenant_id = ?",
  )
    .bind(tenant.id)
    .first<{ events: number; counted: number }>();
  return row ?? { events: 0, counted: 0 };
}

function expectDelivered(outcome: Outcome, file: StoredFile) {
  expect(outcome.bytes).toEqual(file.bytes);
}

describe("concurrency", () => {
  it("answers 200 concurrent GETs on a limit-5 link with exactly 5 downloads and 195 limit_reached", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 256 });
    const link = await signLink(tenant, file, { limit: 5 });

    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => get(tenant, link, i)));

    const successes = outcomes.filter((o) => o.status === 200);
    const refusals = outcomes.filter((o) => o.status === 403);
    expect(successes).toHaveLength(5);
    expect(refusals).toHaveLength(195);
    for (const success of successes) expectDelivered(success, file);
    expect(new Set(refusals.map((o) => o.error))).toEqual(new Set(["limit_reached"]));
    expect((await link.stub.snapshot()).count).toBe(5);
    const info = await gateway(tenant, `/downloads/${link.token}/info`).then((r) => r.json());
    expect(info).toMatchObject({ download_count: 5, remaining_downloads: 0, is_limit_reached: true });
    expect(await flushedEvents(tenant, [link])).toEqual({ events: 200, counted: 5 });
  });

  it("answers 600 concurrent GETs over 100 limit-3 links with exactly 300 downloads, 3 per link", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 128 });
    const links = await Promise.all(Array.from({ length: 100 }, () => signLink(tenant, file, { limit: 3 })));
    const plan = shuffled(links.flatMap((link, l) => Array.from({ length: 6 }, (_, k) => ({ link, l, k }))));

    const outcomes = await Promise.all(
      plan.map(async ({ link, l, k }, i) => ({ l, outcome: await get(tenant, link, l * 6 + k + i) })),
    );

    const successes = outcomes.filter(({ outcome }) => outcome.status === 200);
    expect(successes).toHaveLength(300);
    expect(outcomes.filter(({ outcome }) => outcome.status === 403 && outcome.error === "limit_reached")).toHaveLength(
      300,
    );
    for (const { outcome } of successes) expectDelivered(outcome, file);

    const perLink = new Map<number, number>();
    for (const { l } of successes) perLink.set(l, (perLink.get(l) ?? 0) + 1);
    expect([...perLink.values()]).toEqual(Array.from({ length: 100 }, () => 3));
    const countsByLink = await Promise.all(links.map(async (link) => (await link.stub.snapshot()).count));
    expect(countsByLink).toEqual(Array.from({ length: 100 }, () => 3));
    expect(await flushedEvents(tenant, links)).toEqual({ events: 600, counted: 300 });
  });

  it("counts concurrent resumes after one counted download as free, and never more than the limit", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 500 });
    const link = await signLink(tenant, file, { limit: 2 });
    const first = await gateway(tenant, `/downloads/${link.token}`);
    await first.arrayBuffer();
    expect(first.status).toBe(200);

    const responses = await Promise.all([
      ...Array.from({ length: 20 }, () =>
        gateway(tenant, `/downloads/${link.token}`, { headers: { Range: "bytes=100-" } }),
      ),
      ...Array.from({ length: 20 }, () => gateway(tenant, `/downloads/${link.token}`)),
    ]);
    const statuses = await Promise.all(
      responses.map(async (r) => {
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 206));
    expect(statuses.slice(20).filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.slice(20).filter((s) => s === 403)).toHaveLength(19);
    expect((await link.stub.snapshot()).count).toBe(2);
    expect(await flushedEvents(tenant, [link])).toEqual({ events: 41, counted: 2 });
  });

  it("never over-serves a limit while early aborts are being given back: full reads ≤ final count ≤ limit", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 512 * 1024 });
    const link = await signLink(tenant, file, { limit: 3 });
    // 40 clients at once: every other one leaves after its first chunk, the rest read to the end.
    // An early abort is given back within the link's refund budget (half the file's worth:
    // one abort of this file), the others keep their count.
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const response = await gateway(tenant, `/downloads/${link.token}`, {
          headers: { "User-Agent": `client-${i}`, "CF-Connecting-IP": `198.51.${i}.9` },
        });
        if (response.status !== 200) return { status: response.status, full: false, body: await response.text() };
        if (i % 2 === 0) {
          const reader = response.body?.getReader();
          await reader?.read();
          await reader?.cancel();
          return { status: 200, full: false, body: "" };
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { status: 200, full: bytes.byteLength === file.bytes.byteLength, body: "" };
      }),
    );
    await deliveriesSettled([link.stub]);
    const full = results.filter((r) => r.full).length;
    const served = results.filter((r) => r.status === 200).length;
    const final = (await link.stub.snapshot()).count;
    expect(full).toBeGreaterThan(0);
    expect(final).toBeGreaterThanOrEqual(full);
    expect(final).toBeLessThanOrEqual(3);
    // Every 200 is counted but the one early abort the budget gives back, if one came first.
    expect(served - final).toBeGreaterThanOrEqual(0);
    expect(served - final).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status !== 200))
      expect(JSON.parse(r.body)).toMatchObject({ error: "limit_reached" });
    expect(await flushedEvents(tenant, [link])).toEqual({ events: 40, counted: final });
  });
});
