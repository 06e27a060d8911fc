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
/** The first piece of a larger body. */
const FIRST_PART_BYTES = 1024 * 1024;

/**
 * The pieces in which a response of `length` bytes from `start` is read and sent
 * (docs/CONTRACT.md §6 rule 4): at most three, each its own R2 read. The refund threshold
 * (`refundFraction` of the response) is always a boundary, so "did the client take the
 * first N bytes" has an exact answer; before it, a first piece of 1 MiB, so an abort after
 * the first MiB is told from one before it; after it, the rest in one piece.
 *
 * Fewer pieces, less precision for an aborted body's log: until issue 13 the pieces before
 * the threshold doubled (1, 2, 4, 8 … MiB: seven R2 reads for 64 MiB), logging an abort
 * within a factor of two, but every extra read cost about as much CPU as a sixth of the
 * whole 64 MiB stream (`npm run bench`, profile `s64-*`) and an R2 Class B operation.
 */
export function deliveryParts(start: number, length: number, refundFraction: number): Part[] {
  if (length <= ONE_PIECE_BYTES) return [{ offset: start, length }];
  const threshold = Math.min(length, Math.ceil(length * refundFraction));
  const bounds = [Math.min(FIRST_PART_BYTES, threshold), threshold, length].filter((b) => b > 0);
  const parts: Part[] = [];
  let at = 0;
  for (const end of bounds) {
    if (end <= at) continue;
    parts.push({ offset: start + at, length: end - at });
    at = end;
  }
  return parts;
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
      await stream.pipeTo(writable, { preventClose: true, preventAbort: true });
    } catch (error) {
      return { ...(await cutOff(writable, bytesSent, source, error)), failed: false };
    }
    bytesSent += part.length;
  }
  try {
    await writable.close();
  } catch {
    return { bytesSent, outcome: "aborted", failed: false };
  }
  return { bytesSent, outcome: "completed", failed: false };
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
