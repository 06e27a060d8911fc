/**
 * docs/CONTRACT.md §6 rule 7, src/routes/download.ts: the download log keeps at most 512
 * characters of a request's User-Agent and Range (then `…`). Both are the client's to
 * choose; kept whole, anyone holding a link could grow the store's log, its outbox, D1,
 * exports and evidence, by ~200 KB a request. The request itself is answered as before.
 */
import { describe, expect, it } from "vitest";
import { deliveriesSettled } from "../../helpers/deliveries.ts";
import { bytesOf, eventRows, flushOutboxes, gateway, tenantFileLink } from "../../helpers/fixtures.ts";

const KB100 = 100 * 1024;
/** A 100 KB User-Agent, distinct from its first 512 characters on. */
const HUGE_AGENT = `Mozilla/5.0 ${"x".repeat(500)}${"y".repeat(KB100)}`;
/** A 100 KB Range: many ranges, which the gateway answers with the whole file (§5). */
const HUGE_RANGE = `bytes=${Array.from({ length: 12_000 }, (_, i) => `${i * 2}-${i * 2}`).join(",")}`;

const cut = (value: string) => `${value.slice(0, 512)}…`;

describe("User-Agent and Range in the download log", () => {
  it("are cut to 512 characters in the outbox and in D1; the download is served and counted as before", async () => {
    expect(HUGE_RANGE.length).toBeGreaterThan(KB100);
    const s = await tenantFileLink({ size: 300, filename: "a.bin" }, { limit: 1 });
    const response = await gateway(s.tenant, `/downloads/${s.link.token}`, {
      headers: { "User-Agent": HUGE_AGENT, Range: HUGE_RANGE },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Range")).toBeNull();
    expect(await bytesOf(response)).toEqual(s.file.bytes);
    // The limit of 1 is used: refused, and that refusal is logged cut too.
    const refused = await gateway(s.tenant, `/downloads/${s.link.token}`, {
      headers: { "User-Agent": HUGE_AGENT, Range: HUGE_RANGE },
    });
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();

    const [outbox] = await deliveriesSettled([s.link.stub]);
    expect(outbox?.map((e) => [e.userAgent, e.range])).toEqual([
      [cut(HUGE_AGENT), cut(HUGE_RANGE)],
      [cut(HUGE_AGENT), cut(HUGE_RANGE)],
    ]);
    await flushOutboxes([s.link.stub]);
    const rows = await eventRows(s.tenant, s.link.linkId);
    expect(rows.map((r) => [r.status, r.counted, r.user_agent, r.range])).toEqual([
      [200, 1, cut(HUGE_AGENT), cut(HUGE_RANGE)],
      [403, 0, cut(HUGE_AGENT), cut(HUGE_RANGE)],
    ]);
  });

  it("keeps values of up to 512 characters exactly as sent", async () => {
    const agent = `agent/${"a".repeat(506)}`;
    const range = `bytes=10-${"0".repeat(501)}99`;
    expect([agent.length, range.length]).toEqual([512, 512]);
    const s = await tenantFileLink({ size: 300, filename: "a.bin" });
    const response = await gateway(s.tenant, `/downloads/${s.link.token}`, {
      headers: { "User-Agent": agent, Range: range },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe("bytes 10-99/300");
    await response.arrayBuffer();
    await deliveriesSettled([s.link.stub]);
    await flushOutboxes([s.link.stub]);
    expect((await eventRows(s.tenant, s.link.linkId)).map((r) => [r.user_agent, r.range])).toEqual([[agent, range]]);
  });
});
