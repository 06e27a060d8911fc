/**
 * docs/CONTRACT.md §6 rule 4 through the Worker's fetch: the count is taken before the body
 * starts; when the body ends the link learns how many bytes the client's connection took
 * and how it ended. A client that leaves before `abort_refund_fraction` of the response
 * gets the download back — unless a resume already relied on it. Cancelling the response
 * body here is what a closed connection does in production: workerd cancels the stream.
 */
import { describe, expect, it } from "vitest";
import { deliveriesSettled, deviceCookieOf } from "../helpers/deliveries.ts";
import { HEAD_BYTES } from "../../src/files/deliveryBody.ts";
import {
  counts,
  eventRows,
  flushOutboxes,
  gateway,
  type TenantOptions,
  tenantFileLink,
  type LinkSetup,
} from "../helpers/fixtures.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const SIZE = 4 * 1024 * 1024;

type Setup = LinkSetup;

const setup = (grant: Partial<LinkGrant> = {}, options: TenantOptions = {}): Promise<Setup> =>
  tenantFileLink({ size: SIZE, filename: "course.zip" }, grant, options);

/** Byte equality without a deep-equal walk over megabytes. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  let same = true;
  for (let i = 0; i < actual.byteLength; i++) if (actual[i] !== expected[i]) same = false;
  expect(same).toBe(true);
}

function open(s: Setup, headers: Record<string, string> = {}): Promise<Response> {
  return gateway(s.tenant, `/downloads/${s.link.token}`, { headers });
}

/** Reads at least `atLeast` bytes of the body (checking them against the file from `from`), then cancels it. */
async function readThenCancel(response: Response, s: Setup, atLeast: number, from = 0): Promise<number> {
  const body = response.body;
  if (!body) throw new Error("no body");
  const reader = body.getReader();
  let received = 0;
  while (received < atLeast) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the body ended after ${received} bytes`);
    expectBytes(value, s.file.bytes.subarray(from + received, from + received + value.byteLength));
    received += value.byteLength;
  }
  await reader.cancel();
  return received;
}

/** The link's D1 rows once every body has ended and every event version is written. */
async function settledRows(s: Setup) {
  await deliveriesSettled([s.link.stub]);
  await flushOutboxes([s.link.stub]);
  return eventRows(s.tenant, s.link.linkId);
}

function expectCount(s: Setup, expected: number) {
  return expect(counts(s.tenant, s.link)).resolves.toEqual({ info: expected, durable: expected });
}

describe("rule 4: the log records bytes written and the outcome", () => {
  it("logs a download read to the end as completed with every byte written, counted once", async () => {
    const s = await setup({ limit: 1 });
    const response = await open(s);
    expect(response.headers.get("Content-Length")).toBe(String(SIZE));
    expectBytes(new Uint8Array(await response.arrayBuffer()), s.file.bytes);
    const [row] = await settledRows(s);
    expect(row).toMatchObject({ status: 200, counted: 1, bytes: SIZE, bytes_sent: SIZE, outcome: "completed" });
    await expectCount(s, 1);
  });

  it("logs a completed resume with the range's bytes, not counted, reason resume", async () => {
    const s = await setup({ limit: 1 });
    const first = await open(s);
    await first.arrayBuffer();
    const resume = await open(s, { Range: "bytes=1000-" });
    expect(resume.status).toBe(206);
    expectBytes(new Uint8Array(await resume.arrayBuffer()), s.file.bytes.slice(1000));
    const rows = await settledRows(s);
    expect(rows[1]).toMatchObject({ status: 206, counted: 0, bytes_sent: SIZE - 1000, outcome: "completed" });
    expect(rows[1]?.reason).toBe("resume");
    await expectCount(s, 1);
  });
});

describe("rule 4: an early abort gives the download back", () => {
  it("gives the count back when the client cancels after a few KiB, and logs aborted/refunded", async () => {
    const s = await setup({ limit: 1 });
    const received = await readThenCancel(await open(s), s, 1);
    expect(received).toBeLessThan(SIZE / 4);
    const [row] = await settledRows(s);
    expect(row).toMatchObject({ status: 200, counted: 0, outcome: "aborted", reason: "refunded", bytes: SIZE });
    // Counted per chunk the response stream accepted: never more than a couple of chunks off.
    expect(row?.bytes_sent).toBeGreaterThanOrEqual(0);
    expect(row?.bytes_sent).toBeLessThan(SIZE / 2);
    await expectCount(s, 0);
    // The download is there again, whole.
    const again = await open(s);
    expectBytes(new Uint8Array(await again.arrayBuffer()), s.file.bytes);
    await expectCount(s, 1);
  });

  it("logs an abort after the first MiB and before the threshold with the first MiB written, and gives the count back", async () => {
    const s = await setup({ limit: 1 });
    // The first MiB goes out by one JavaScript write (files/deliveryBody.ts, no R2 read of
    // its own): its end is the boundary the log reports, whatever the client read past it.
    const received = await readThenCancel(await open(s), s, HEAD_BYTES + 1);
    expect(received).toBeLessThan(SIZE / 2);
    const [row] = await settledRows(s);
    expect(row).toMatchObject({ counted: 0, outcome: "aborted", reason: "refunded", bytes_sent: HEAD_BYTES });
    await expectCount(s, 0);
  });

  it("keeps the count when the client cancels after more than half was written, logged aborted", async () => {
    const s = await setup({ limit: 1 });
    const received = await readThenCancel(await open(s), s, SIZE * 0.8);
    const [row] = await settledRows(s);
    expect(row).toMatchObject({ status: 200, counted: 1, outcome: "aborted", reason: null });
    expect(row?.bytes_sent).toBeGreaterThanOrEqual(SIZE / 2);
    expect(Math.abs((row?.bytes_sent ?? 0) - received)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(row?.bytes_sent).toBeLessThan(SIZE);
    await expectCount(s, 1);
    expect((await open(s)).status).toBe(403);
  });

  it("uses the tenant's abort_refund_fraction: at 0 an abort never gives the download back", async () => {
    const s = await setup({ limit: 1 }, { settings: { abort_refund_fraction: 0 } });
    await readThenCancel(await open(s), s, 1);
    const [row] = await settledRows(s);
    expect(row).toMatchObject({ counted: 1, outcome: "aborted", reason: null });
    await expectCount(s, 1);
  });

  it("refuses a request at the limit while an early abort's refund has not landed, then serves once it has", async () => {
    const s = await setup({ limit: 1 });
    const first = await open(s);
    const reader = first.body?.getReader();
    await reader?.read();
    // The first download holds the only slot while its body is open.
    const meanwhile = await open(s);
    expect(meanwhile.status).toBe(403);
    expect(((await meanwhile.json()) as { error: string }).error).toBe("limit_reached");
    await reader?.cancel();
    await deliveriesSettled([s.link.stub]);
    await expectCount(s, 0);
    const after = await open(s);
    expectBytes(new Uint8Array(await after.arrayBuffer()), s.file.bytes);
    await expectCount(s, 1);
    expect((await open(s)).status).toBe(403);
  });

  it("counts a resume after a refunded partial as a new download: a refund never buys free bytes", async () => {
    const s = await setup({ limit: 1 });
    const first = await open(s);
    const cookie = deviceCookieOf(first);
    const received = await readThenCancel(first, s, 1);
    await deliveriesSettled([s.link.stub]);
    await expectCount(s, 0);
    const resume = await open(s, { Range: `bytes=${received}-`, Cookie: cookie });
    expect(resume.status).toBe(206);
    expectBytes(new Uint8Array(await resume.arrayBuffer()), s.file.bytes.slice(received));
    await expectCount(s, 1);
    const rows = await settledRows(s);
    expect(rows.map((r) => [r.status, r.counted, r.outcome, r.reason])).toEqual([
      [200, 0, "aborted", "refunded"],
      [206, 1, "completed", null],
    ]);
    // And the device's next range is the free resume of that counted one.
    const next = await open(s, { Range: "bytes=2000-", Cookie: cookie });
    expect(next.status).toBe(206);
    await next.arrayBuffer();
    await expectCount(s, 1);
  });

  it("gives early aborts back only within the link's budget: chained ranges that each stop short are counted", async () => {
    // An attacker with a valid link asks for the file, stops early, asks for the rest from
    // where it stopped, stops early again…, each time as another device (so no request is
    // a free resume): each answer alone is under its own threshold. The link gives back at
    // most half the file's worth of early aborts (each charged its threshold), so the
    // second such request already keeps its count.
    const s = await setup({ limit: 3 });
    const first = await readThenCancel(await open(s), s, 1);
    await deliveriesSettled([s.link.stub]);
    await expectCount(s, 0);
    const asDevice = (n: number, from: number) => ({ Range: `bytes=${from}-`, "User-Agent": `harvester/${n}` });
    const second = await readThenCancel(await open(s, asDevice(2, first)), s, 1, first);
    await readThenCancel(await open(s, asDevice(3, first + second)), s, 1, first + second);
    const rows = await settledRows(s);
    expect(rows.map((r) => [r.status, r.counted, r.outcome, r.reason])).toEqual([
      [200, 0, "aborted", "refunded"],
      [206, 1, "aborted", null],
      [206, 1, "aborted", null],
    ]);
    await expectCount(s, 2);
  });

  it("charges a one-piece answer (1 MiB or less) its whole length: chained 1 MiB ranges get half the file, not all", async () => {
    // A body of at most 1 MiB is written in one piece, so an abort knows only that not all
    // of it was taken: it may have been all but the last byte. Charged half of it (the
    // threshold), four aborted 1 MiB ranges would have taken this 4 MiB file uncounted.
    const s = await setup({ limit: 10 });
    const MiB = 1024 * 1024;
    for (let n = 0; n < 4; n++) {
      const range = { Range: `bytes=${n * MiB}-${(n + 1) * MiB - 1}`, "User-Agent": `harvester/${n}` };
      await readThenCancel(await open(s, range), s, 1, n * MiB);
      await deliveriesSettled([s.link.stub]);
    }
    const rows = await settledRows(s);
    expect(rows.map((r) => [r.status, r.counted, r.outcome, r.reason])).toEqual([
      [206, 0, "aborted", "refunded"],
      [206, 0, "aborted", "refunded"],
      [206, 1, "aborted", null],
      [206, 1, "aborted", null],
    ]);
    await expectCount(s, 2);
  });

  it("refuses the resume of a refunded partial at the limit", async () => {
    const s = await setup({ limit: 1 });
    const first = await open(s);
    const cookie = deviceCookieOf(first);
    const received = await readThenCancel(first, s, 1);
    await deliveriesSettled([s.link.stub]);
    // Another device takes the slot the refund freed.
    const other = await open(s, { "User-Agent": "other-device/1" });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const resume = await open(s, { Range: `bytes=${received}-`, Cookie: cookie });
    expect(resume.status).toBe(403);
    await expectCount(s, 1);
  });
});

describe("rule 6: a device id cannot be computed from what others can know", () => {
  it("refuses a resume at the limit whose cookie is the plain hash of the buyer's User-Agent and network", async () => {
    const s = await setup({ limit: 1 });
    // The buyer (the tests' usual client: dlgate-tests/1 from 203.0.113.10) downloads once.
    const bought = await open(s);
    expect(bought.status).toBe(200);
    await bought.arrayBuffer();
    const pinned = deviceCookieOf(bought);
    // Someone who knows the buyer's browser and network computes the unkeyed id offline.
    const material = new TextEncoder().encode("dlgate-tests/1\n203.0.113.0/24");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", material)).slice(0, 16);
    const guessed = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(pinned).not.toBe(`dlg_device=${guessed}`);
    const elsewhere = { "User-Agent": "someone-else/1", "CF-Connecting-IP": "198.51.100.7", Range: "bytes=1-" };
    const forged = await open(s, { ...elsewhere, Cookie: `dlg_device=${guessed}` });
    expect(forged.status).toBe(403);
    // The buyer's own cookie is still the buyer's device: its resume is free.
    const resumed = await open(s, { ...elsewhere, Cookie: pinned });
    expect(resumed.status).toBe(206);
    await resumed.arrayBuffer();
    await expectCount(s, 1);
  });
});

describe("rule 4: a download a resume relied on is never given back", () => {
  it("keeps a download manager's count at 1 when its first connection closes early after 3 parallel segments", async () => {
    const s = await setup({ limit: 1 });
    // Connection 1: the whole file, counted.
    const first = await open(s);
    expect(first.status).toBe(200);
    const reader = first.body?.getReader();
    await reader?.read();
    // Connections 2–4 from the same client (User-Agent and address): later segments, free resumes.
    const segment = SIZE / 4;
    const segments = await Promise.all(
      [1, 2, 3].map((i) => open(s, { Range: `bytes=${i * segment}-${(i + 1) * segment - 1}` })),
    );
    expect(segments.map((r) => r.status)).toEqual([206, 206, 206]);
    const bodies = await Promise.all(segments.map(async (r) => new Uint8Array(await r.arrayBuffer())));
    bodies.forEach((body, k) => expectBytes(body, s.file.bytes.slice((k + 1) * segment, (k + 2) * segment)));
    // Connection 1 stops early, as download managers do once the next segment is covered.
    await reader?.cancel();
    const rows = await settledRows(s);
    expect(rows[0]).toMatchObject({ status: 200, counted: 1, outcome: "aborted", reason: null });
    expect(rows[0]?.bytes_sent).toBeLessThan(SIZE / 2);
    expect(rows.slice(1).map((r) => [r.status, r.counted, r.reason, r.outcome])).toEqual([
      [206, 0, "resume", "completed"],
      [206, 0, "resume", "completed"],
      [206, 0, "resume", "completed"],
    ]);
    await expectCount(s, 1);
  });

  it("counts 8 parallel segments of one download manager (same device cookie) once", async () => {
    const s = await setup({ limit: 2 });
    const first = await open(s, { Range: `bytes=0-${SIZE / 8 - 1}` });
    expect(first.status).toBe(206);
    const cookie = deviceCookieOf(first);
    await first.arrayBuffer();
    const seg = SIZE / 8;
    const rest = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map((i) =>
        open(s, { Range: `bytes=${i * seg}-${(i + 1) * seg - 1}`, Cookie: cookie, "User-Agent": "aria2/1.37.0" }),
      ),
    );
    expect(rest.map((r) => r.status)).toEqual(Array(7).fill(206));
    const all = [
      new Uint8Array(0),
      ...(await Promise.all(rest.map(async (r) => new Uint8Array(await r.arrayBuffer())))),
    ];
    all.slice(1).forEach((body, k) => expectBytes(body, s.file.bytes.slice((k + 1) * seg, (k + 2) * seg)));
    await deliveriesSettled([s.link.stub]);
    await expectCount(s, 1);
  });
});
