import type { DownloadOutcome } from "../links/DownloadEvent.ts";

/** How a response body ended: the bytes the client's connection took, and why it stopped. */
export interface Delivery {
  /** Bytes the client's connection accepted: exact when completed, a lower bound when aborted. */
  bytesSent: number;
  outcome: DownloadOutcome;
  /** The source stream failed (R2, an origin); false when the client went away or all was sent. */
  failed: boolean;
}

/** A byte range of the file that is read from R2 and piped to the client in one piece. */
export interface Part {
  offset: number;
  length: number;
}

/** At or under this size a body goes out in one piece: it is written whole before any cancel. */
const ONE_PIECE_BYTES = 1024 * 1024;
/** The head of a larger body's first piece, moved by JavaScript so its end is known. */
export const HEAD_BYTES = 1024 * 1024;

/**
 * The pieces in which a response of `length` bytes from `start` is read and sent
 * (docs/CONTRACT.md §6 rule 4): at most two R2 reads, split at the refund threshold
 * (`refundFraction` of the response), so "did the client take the first N bytes" has an
 * exact answer. The first piece's first MiB is a boundary too, without a read of its own
 * (pumpParts moves it with one JavaScript read), so an abort after the first MiB is told
 * from one before it.
 *
 * Fewer reads, less CPU: until issue 13 the pieces before the threshold doubled (1, 2, 4,
 * 8 … MiB: seven R2 reads for 64 MiB), then the first MiB was a read of its own (three);
 * each extra ranged read cost about 3.5 ms of CPU per 64 MiB on the local R2
 * (`npm run bench`, `stream-64m` and profile `s64-*`) and an R2 Class B operation.
 */
export function deliveryParts(start: number, length: number, refundFraction: number): Part[] {
  if (length <= ONE_PIECE_BYTES) return [{ offset: start, length }];
  const threshold = Math.min(length, Math.ceil(length * refundFraction));
  return [threshold, length - threshold]
    .filter((size) => size > 0)
    .map((size, i) => ({ offset: start + (i === 0 ? 0 : threshold), length: size }));
}

/**
 * Streams `parts` (exactly `length` bytes in all) to the client and tells how it ended.
 *
 * Each piece is its own R2 read, piped with `pipeTo` into a workerd `FixedLengthStream`:
 * between two of the runtime's own streams the pipe runs natively, so the Worker's
 * JavaScript never touches a byte (a loop that moved the bytes itself cost three times the
 * CPU of a plain R2 response, measured with `npm run bench`), and the answer keeps its
 * `Content-Length`. A piece's pipe settles once the client's connection has taken its
 * last byte, which is what the refund rule needs to know at the threshold; the next piece's
 * read starts while the current one streams, so a seam costs no round trip.
 *
 * When the client closes the connection, workerd cancels the response stream and the
 * pipe rejects: that is the abort. A source that breaks mid-piece (R2 failing) rejects the
 * pipe the same way, and workerd gives the Worker no means to tell the two apart (the
 * rejection carries either side's reason, and both streams look alike afterwards), so it
 * is treated as an abort too: given back before the threshold, and after it the customer's
 * device resumes for free (rule 3). Either way the response is cut off, so the client sees
 * a short body, never a complete-looking one. A piece that cannot even be opened (the file
 * was replaced or deleted mid-download) is a failure of the source, and says so.
 */
export function deliveryBody(
  first: ReadableStream<Uint8Array>,
  parts: readonly Part[],
  readPart: (part: Part) => Promise<ReadableStream<Uint8Array> | null>,
  length: number,
): { body: ReadableStream<Uint8Array>; delivery: Promise<Delivery> } {
  const { readable, writable } = new FixedLengthStream(length);
  return { body: readable, delivery: pumpParts(first, parts, readPart, writable) };
}

async function pumpParts(
  first: ReadableStream<Uint8Array>,
  parts: readonly Part[],
  readPart: (part: Part) => Promise<ReadableStream<Uint8Array> | null>,
  writable: WritableStream<Uint8Array>,
): Promise<Delivery> {
  let bytesSent = 0;
  let source: Promise<ReadableStream<Uint8Array> | null> = Promise.resolve(first);
  for (const [index, part] of parts.entries()) {
    const stream = await source.catch(() => null);
    const nextPart = parts[index + 1];
    source = nextPart ? readPart(nextPart) : Promise.resolve(null);
    // Awaited on the next turn; until then a rejection must not count as unhandled.
    source.catch(() => {});
    if (!stream) return cutOff(writable, bytesSent, source, new Error("a piece of the file could not be read"));
    try {
      // The first piece's head: one JavaScript read and write, so its end is a boundary
      // the log can report (0 or HEAD_BYTES written) without an R2 read of its own.
      const head = index === 0 && part.length > HEAD_BYTES ? await sendHead(stream, writable) : 0;
      bytesSent += head;
      await stream.pipeTo(writable, { preventClose: true, preventAbort: true });
      bytesSent += part.length - head;
    } catch (error) {
      return { ...(await cutOff(writable, bytesSent, source, error)), failed: false };
    }
  }
  try {
    await writable.close();
  } catch {
    return { bytesSent, outcome: "aborted", failed: false };
  }
  return { bytesSent, outcome: "completed", failed: false };
}

/**
 * Moves the first HEAD_BYTES of `stream` to `writable` (one BYOB read, one write, then the
 * locks are released for the native pipe of the rest). Resolves once the client's
 * connection took them; rejects like a pipe on an abort or a broken source.
 */
async function sendHead(stream: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader({ mode: "byob" });
  const writer = writable.getWriter();
  try {
    const { value } = await reader.readAtLeast(HEAD_BYTES, new Uint8Array(HEAD_BYTES));
    if (!value || value.byteLength !== HEAD_BYTES) throw new Error("the file ended before its first MiB");
    await writer.write(value);
    return HEAD_BYTES;
  } finally {
    reader.releaseLock();
    writer.releaseLock();
  }
}

/** The source broke mid-body: end the response short and say so. */
async function cutOff(
  writable: WritableStream<Uint8Array>,
  bytesSent: number,
  pending: Promise<ReadableStream<Uint8Array> | null>,
  error: unknown,
): Promise<Delivery> {
  void pending.then((s) => s?.cancel()).catch(() => {});
  await writable.abort(error).catch(() => {});
  return { bytesSent, outcome: "aborted", failed: true };
}
