/**
 * docs/CONTRACT.md §5 and §6 rule 2: browser prefetches and prerenders get 503 + Retry-After +
 * `Cache-Control: no-store`, never file bytes, are not counted and are logged as
 * `prefetch`. (A 2xx without body made Chromium save a 0-byte file on click.)
 */
import { describe, expect, it } from "vitest";
import { counts, eventRows, flushOutboxes, gateway, tenantFileLink, type LinkSetup } from "../helpers/fixtures.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const SIZE = 1000;
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

type Setup = LinkSetup;

const setup = (grant: Partial<LinkGrant> = {}): Promise<Setup> =>
  tenantFileLink({ size: SIZE, filename: "album.zip" }, grant);

async function get(s: Setup, headers: Record<string, string> = {}, method = "GET") {
  const response = await gateway(s.tenant, `/downloads/${s.link.token}`, { method, headers });
  return { response, body: new Uint8Array(await response.arrayBuffer()) };
}

const SPECULATIVE: [string, string][] = [
  ["Sec-Purpose", "prefetch"],
  ["Sec-Purpose", "prefetch;prerender"],
  ["Sec-Purpose", "prefetch;anonymous-client-ip"],
  ["Sec-Purpose", "prerender"],
  ["Purpose", "prefetch"],
  ["Purpose", "Prefetch"],
  ["X-Purpose", "preview"],
  ["X-Moz", "prefetch"],
];

describe("prefetch and prerender (docs/CONTRACT.md §5)", () => {
  it.each(SPECULATIVE)("answers %s: %s with 503, Retry-After, no-store and no file bytes", async (name, value) => {
    const s = await setup({ limit: 1 });
    const { response, body } = await get(s, { [name]: value });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Content-Disposition")).toBeNull();
    expect(body.byteLength).toBeLessThan(SIZE);
    expect(JSON.parse(new TextDecoder().decode(body))).toMatchObject({ error: "unavailable" });
    expect(await counts(s.tenant, s.link)).toEqual({ info: 0, durable: 0 });
  });

  it("lets the click after a prefetch download the whole file and count it once", async () => {
    const s = await setup({ limit: 1 });
    for (let i = 0; i < 3; i++)
      expect((await get(s, { "Sec-Purpose": "prefetch;prerender", Accept: BROWSER_ACCEPT })).response.status).toBe(503);
    const click = await get(s, { Accept: BROWSER_ACCEPT });
    expect(click.response.status).toBe(200);
    expect(click.body).toEqual(s.file.bytes);
    expect(await counts(s.tenant, s.link)).toEqual({ info: 1, durable: 1 });
  });

  it("does not serve a ranged prefetch either", async () => {
    const s = await setup();
    const { response, body } = await get(s, { "Sec-Purpose": "prefetch", Range: "bytes=0-" });
    expect(response.status).toBe(503);
    expect(body.byteLength).toBeLessThan(SIZE);
    expect(await counts(s.tenant, s.link)).toEqual({ info: 0, durable: 0 });
  });

  it("gives a browser's prefetch the HTML error page, never the file", async () => {
    const s = await setup();
    const { response, body } = await get(s, { "Sec-Purpose": "prefetch", Accept: BROWSER_ACCEPT });
    expect(response.status).toBe(503);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(new TextDecoder().decode(body)).toContain("<!doctype html>");
  });

  it("answers a prefetch of a used-up link with the ordinary refusal, also non-2xx", async () => {
    const s = await setup({ limit: 1 });
    expect((await get(s)).response.status).toBe(200);
    const { response, body } = await get(s, { "Sec-Purpose": "prefetch" });
    expect(response.status).toBe(403);
    expect(JSON.parse(new TextDecoder().decode(body))).toMatchObject({ error: "limit_reached" });
    expect(await counts(s.tenant, s.link)).toEqual({ info: 1, durable: 1 });
  });

  it("answers a prefetch of an invalid token with invalid_token", async () => {
    const s = await setup();
    const response = await gateway(s.tenant, `/downloads/${s.link.token}x`, {
      headers: { "Sec-Purpose": "prefetch" },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });

  it("logs each prefetch as not counted with the reason `prefetch`", async () => {
    const s = await setup();
    await get(s, { "Sec-Purpose": "prefetch" });
    await get(s, { "X-Moz": "prefetch" });
    await flushOutboxes([s.link.stub]);
    const rows = await eventRows(s.tenant, s.link.linkId);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 503, counted: 0, bytes: 0, reason: "prefetch", error: null });
    }
  });

  it("still treats ordinary requests and look-alike values as downloads", async () => {
    const s = await setup({ limit: 5 });
    const lookAlikes: Record<string, string>[] = [{}, { Purpose: "noprefetch" }, { "Sec-Purpose": "prefetcher" }];
    for (const headers of lookAlikes) {
      const { response, body } = await get(s, headers);
      expect(response.status).toBe(200);
      expect(body).toEqual(s.file.bytes);
    }
    expect(await counts(s.tenant, s.link)).toEqual({ info: 3, durable: 3 });
  });
});
