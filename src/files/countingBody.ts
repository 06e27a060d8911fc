import type { DownloadOutcome } from "../links/DownloadEvent.ts";

/** How a response body ended: the bytes the client's connection took, and why it stopped. */
export interface Delivery {
  bytesSent: number;
  outcome: DownloadOutcome;
  /** The source stream failed (R2, an origin); false when the client went away or all was sent. */
  failed: boolean;
}

/**
 * Streams `source` (exactly `length` bytes) to the client and tells how it ended
 * (DESIGN.md §6 rule 4: the count is kept or given back on bytes written).
 *
 * The body handed to the Response is a workerd `FixedLengthStream`, so the answer keeps
 * its `Content-Length` and workerd pumps it to the socket natively. A loop moves the
 * source's chunks into it: per chunk, not per byte, and with the next read overlapping
 * the write in flight. An identity stream's write settles only when its reader has taken
 * the chunk, so `bytesSent` counts what went to the connection (plus what the runtime and
 * the network buffer beyond that, which no server can see). When the client closes the
 * connection, workerd cancels the response stream and the pending write rejects: that
 * is the abort. `delivery` settles once, after the last chunk or the abort; pass it to
 * `ctx.waitUntil` so the report outlives the response.
 */
export function countingBody(
  source: ReadableStream<Uint8Array>,
  length: number,
): { body: ReadableStream<Uint8Array>; delivery: Promise<Delivery> } {
  const { readable, writable } = new FixedLengthStream(length);
  return { body: readable, delivery: pump(source.getReader(), writable.getWriter()) };
}

async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<Delivery> {
  let bytesSent = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let inFlightBytes = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      // The source broke mid-body: cut the response off (the client sees a short body,
      // never a complete-looking one) and say so.
      await writer.abort(error).catch(() => {});
      return { bytesSent: await settled(inFlight, bytesSent, inFlightBytes), outcome: "aborted", failed: true };
    }
    try {
      await inFlight;
    } catch {
      // The client went away while the previous chunk was on its way.
      await reader.cancel().catch(() => {});
      return { bytesSent, outcome: "aborted", failed: false };
    }
    bytesSent += inFlightBytes;
    if (next.done) break;
    inFlightBytes = next.value.byteLength;
    inFlight = writer.write(next.value);
    // Awaited on the next turn; until then a rejection must not count as unhandled.
    inFlight.catch(() => {});
  }
  try {
    await writer.close();
  } catch {
    return { bytesSent, outcome: "aborted", failed: false };
  }
  return { bytesSent, outcome: "completed", failed: false };
}

/** Bytes sent once the write in flight (if any) has settled. */
async function settled(inFlight: Promise<void>, sent: number, inFlightBytes: number): Promise<number> {
  try {
    await inFlight;
    return sent + inFlightBytes;
  } catch {
    return sent;
  }
}
