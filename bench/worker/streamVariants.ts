// Where a 64 MiB download's extra CPU goes (issue 13, target 2): the same R2 object sent
// the ways the gateway could send it, each one step further from a bare R2 response, so
// paired rounds of them (bench/scenarios/stream-64m.mjs) price each step on its own.
import { deliveryBody, deliveryParts, type Part } from "../../src/files/deliveryBody.ts";
import type { BenchEnv } from "./index.ts";

export const STREAM_VARIANTS = [
  /** `new Response(object.body)`: the bare-R2 baseline. */
  "direct",
  /** The whole object in one R2 read, piped (`pipeTo`) into a FixedLengthStream. */
  "fls-one",
  /** The gateway's pieces (files/deliveryBody.ts: up to the 50 % threshold, then the rest, the first MiB by JS). */
  "pieces",
  /** The pieces as they were before issue 13: 1, 2, 4 … MiB up to the threshold, then the rest (7 reads for 64 MiB). */
  "pieces-v1",
  /** `pieces`, and after the body one Durable Object call (the gateway's finish()). */
  "pieces-call",
  /** One R2 read, moved by a JavaScript loop of 256 KiB BYOB reads into a FixedLengthStream, bytes counted. */
  "byob",
  /** One R2 read: JS moves the bytes up to the threshold in 1 MiB BYOB reads (two buffers reused), then a native pipe. */
  "one-read",
] as const;
export type StreamVariant = (typeof STREAM_VARIANTS)[number];

/** Refund threshold of the pieces variants: the tenant default (docs/CONTRACT.md §6 rule 4). */
const REFUND_FRACTION = 0.5;

export async function streamVariant(
  env: BenchEnv,
  ctx: ExecutionContext,
  variant: StreamVariant,
  key: string,
  link: string,
): Promise<Response> {
  const head = await env.FILES.head(key);
  if (!head) return new Response("no such object", { status: 404 });
  const headers = { "Content-Type": "application/octet-stream", ETag: head.httpEtag };
  if (variant === "direct") {
    const object = await env.FILES.get(key);
    return object ? new Response(object.body, { headers }) : new Response("gone", { status: 404 });
  }
  if (variant === "byob") {
    const object = await env.FILES.get(key);
    if (!object) return new Response("gone", { status: 404 });
    const { readable, writable } = new FixedLengthStream(head.size);
    ctx.waitUntil(copyCounting(object.body, writable));
    return new Response(readable, { headers });
  }
  if (variant === "one-read") {
    const object = await env.FILES.get(key);
    if (!object) return new Response("gone", { status: 404 });
    const { readable, writable } = new FixedLengthStream(head.size);
    const threshold = Math.ceil(head.size * REFUND_FRACTION);
    ctx.waitUntil(
      sendUpTo(object.body, writable, threshold, 1 << 20)
        .then(() => object.body.pipeTo(writable))
        .catch((error) => writable.abort(error).catch(() => {})),
    );
    return new Response(readable, { headers });
  }
  const parts: Part[] =
    variant === "fls-one"
      ? [{ offset: 0, length: head.size }]
      : variant === "pieces-v1"
        ? doublingParts(head.size, REFUND_FRACTION)
        : deliveryParts(0, head.size, REFUND_FRACTION);
  const read = async (part: Part) => {
    const whole = part.offset === 0 && part.length === head.size;
    const object = await env.FILES.get(key, { ...(whole ? {} : { range: part }), onlyIf: { etagMatches: head.etag } });
    return object && "body" in object ? object.body : null;
  };
  const first = await read(parts[0]!);
  if (!first) return new Response("gone", { status: 404 });
  const { body, delivery } = deliveryBody(first, parts, read, head.size);
  if (variant === "pieces-call") {
    ctx.waitUntil(delivery.then(() => env.FLOOR_COUNTER.getByName(link).upsert()));
  } else {
    ctx.waitUntil(delivery);
  }
  return new Response(body, { headers });
}

/** deliveryParts as it was before issue 13 (1, 2, 4 … MiB up to the threshold, then the rest). */
function doublingParts(length: number, refundFraction: number): Part[] {
  const threshold = Math.min(length, Math.ceil(length * refundFraction));
  const parts: Part[] = [];
  let at = 0;
  for (let size = 1024 * 1024; at < threshold; size *= 2) {
    const end = Math.min(threshold, at + size);
    parts.push({ offset: at, length: end - at });
    at = end;
  }
  if (at < length) parts.push({ offset: at, length: length - at });
  return parts;
}

/**
 * Moves exactly `bytes` of `source` to `writable` by JS, reading the next chunk while the last
 * is written; resolves with the bytes whose writes completed, the figure a refund needs. The
 * locks are released after, so the rest can be piped natively from where this stopped.
 */
async function sendUpTo(
  source: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  bytes: number,
  chunk: number,
): Promise<number> {
  const reader = source.getReader({ mode: "byob" });
  const writer = writable.getWriter();
  const spare = [new ArrayBuffer(chunk), new ArrayBuffer(chunk)];
  let read = 0;
  let sent = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    while (read < bytes) {
      const size = Math.min(chunk, bytes - read);
      const { value } = await reader.readAtLeast(size, new Uint8Array(spare.pop()!, 0, size));
      if (!value || value.byteLength !== size) throw new Error("the object ended before the threshold");
      read += size;
      await writing;
      writing = writer.write(value).then(() => {
        sent += size;
        spare.push(value.buffer as ArrayBuffer);
      });
      writing.catch(() => {});
    }
    await writing;
    return sent;
  } finally {
    reader.releaseLock();
    writer.releaseLock();
  }
}

const CHUNK_BYTES = 256 * 1024;

/** Moves the body in reads of at least CHUNK_BYTES (the last one shorter), counting bytes written. */
async function copyCounting(source: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>): Promise<number> {
  const reader = source.getReader({ mode: "byob" });
  const writer = writable.getWriter();
  let written = 0;
  try {
    for (;;) {
      const { done, value } = await reader.readAtLeast(CHUNK_BYTES, new Uint8Array(CHUNK_BYTES));
      if (value && value.byteLength > 0) {
        await writer.write(value);
        written += value.byteLength;
      }
      if (done) break;
    }
    await writer.close();
  } catch {
    await reader.cancel().catch(() => {});
    await writer.abort().catch(() => {});
  }
  return written;
}

/**
 * The profile's form of a variant (`/profile/s64-<variant>`): n responses made and read to
 * the end inside the Worker, in 1 MiB reads, so the bench can read the process's CPU time
 * per 64 MiB without a client, a socket or the machine's other load in the figure.
 */
export async function profileStreamVariant(env: BenchEnv, variant: StreamVariant, n: number): Promise<number> {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) } as unknown as ExecutionContext;
    const response = await streamVariant(env, ctx, variant, PROFILE_KEY, `p64-${i % 20}`);
    const reader = response.body!.getReader({ mode: "byob" });
    for (;;) {
      const { done, value } = await reader.readAtLeast(1 << 20, new Uint8Array(1 << 20));
      sink += value?.byteLength ?? 0;
      if (done) break;
    }
    await Promise.all(pending);
  }
  return sink;
}

/** The object the profile's 64 MiB steps read (bench/scenarios/profile.mjs seeds it). */
export const PROFILE_KEY = "sixty-four-mib";
