import { withKnownLength } from "./withKnownLength.ts";

/** How long an origin may keep the gateway waiting (tenant settings, docs/CONTRACT.md §7 `origin_timeout`). */
export interface OriginDeadlines {
  /** From sending the request until the response headers arrive. */
  headersMs: number;
  /** While the body streams: the longest gap between two chunks. */
  stallMs: number;
  /** Called whenever the origin shows a sign of life (headers, a chunk). */
  onProgress?: () => void;
}

/** The origin missed a deadline: `headers` (no answer) or `body` (it stopped sending). */
export class OriginTimeoutError extends Error {
  constructor(readonly phase: "headers" | "body") {
    super(phase === "headers" ? "the origin did not answer in time" : "the origin stopped sending its body");
    this.name = "OriginTimeoutError";
  }
}

export interface DeadlineFetch {
  response: Response;
  /** True once the body stalled: the stream then errors, and whoever read it fails. */
  stalled: () => boolean;
}

/**
 * `fetch` for an origin that may hang: the headers must arrive within `headersMs` of the
 * start or of the last request-body chunk sent, then the body may not pause longer than
 * `stallMs`. A missed deadline aborts the request. The
 * race does not rely on the abort alone: a connection that ignores it (or a runtime that
 * only checks it between reads) still cannot hold the caller past the deadline.
 * Headers too late → throws OriginTimeoutError; a body stall → the body stream errors
 * with it and `stalled()` is true (callers that hand the stream to R2 see R2's error).
 * The body is a stream built in JavaScript, so it has no length of its own: a caller
 * that needs one pipes it through a FixedLengthStream.
 */
export async function fetchWithDeadlines(
  input: string | URL,
  init: RequestInit,
  deadlines: OriginDeadlines,
): Promise<DeadlineFetch> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let answered = false;
  let late: (error: OriginTimeoutError) => void = () => {};
  const tooLate = new Promise<never>((_, reject) => {
    late = reject;
  });
  // The headers deadline counts from the last sign of progress: the start, or a chunk of
  // the request body going out. An origin answers an upload only once it has it all, so
  // a large upload from a slow client is not an origin that hangs.
  const rearm = () => {
    if (answered) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const error = new OriginTimeoutError("headers");
      controller.abort(error);
      late(error);
    }, deadlines.headersMs);
  };
  rearm();
  const body = init.body instanceof ReadableStream ? observed(init.body, new Headers(init.headers), rearm) : init.body;
  let response: Response;
  try {
    response = await Promise.race([fetch(input, { ...init, body, signal: controller.signal }), tooLate]);
  } finally {
    answered = true;
    clearTimeout(timer);
  }
  deadlines.onProgress?.();

  let stalled = false;
  // 101 carries a WebSocket, and null-body statuses cannot be rebuilt with a body.
  if (!response.body || [101, 204, 205, 304].includes(response.status)) return { response, stalled: () => stalled };
  const reader = response.body.getReader();
  const guarded = new ReadableStream<Uint8Array>(
    {
      // highWaterMark 0: a read is only pending while the consumer waits, so a slow
      // client is never mistaken for a stalled origin.
      async pull(out) {
        let stall: ReturnType<typeof setTimeout> | undefined;
        const quiet = new Promise<never>((_, reject) => {
          stall = setTimeout(() => reject(new OriginTimeoutError("body")), deadlines.stallMs);
        });
        try {
          const chunk = await Promise.race([reader.read(), quiet]);
          if (chunk.done) out.close();
          else {
            deadlines.onProgress?.();
            out.enqueue(chunk.value);
          }
        } catch (error) {
          if (error instanceof OriginTimeoutError) {
            stalled = true;
            controller.abort(error);
          }
          reader.cancel(error).catch(() => {});
          out.error(error);
        } finally {
          clearTimeout(stall);
        }
      },
      cancel(reason) {
        controller.abort(reason);
        // Whoever cancels is done with the body; an origin stream that fails to close
        // (already broken off) is nothing to report to it.
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return {
    response: new Response(guarded, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }),
    stalled: () => stalled,
  };
}

/** The request body as sent, calling `onChunk` for each chunk; its Content-Length kept. */
function observed(body: ReadableStream<Uint8Array>, headers: Headers, onChunk: () => void): ReadableStream<Uint8Array> {
  const watch = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      onChunk();
      out.enqueue(chunk);
    },
  });
  return withKnownLength(body.pipeThrough(watch), headers);
}
