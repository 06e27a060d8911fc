/**
 * A stream built in JavaScript has no length of its own, so the runtime would send it
 * chunked; a FixedLengthStream keeps the declared Content-Length (and fails a body that
 * ends short). Not for an encoded body: fetch decodes a response's, so the length would
 * not match.
 */
export function withKnownLength(body: ReadableStream<Uint8Array>, headers: Headers): ReadableStream<Uint8Array> {
  const encoding = (headers.get("Content-Encoding") ?? "identity").trim().toLowerCase();
  const declared = headers.get("Content-Length")?.trim() ?? "";
  const length = /^\d{1,15}$/.test(declared) ? Number(declared) : NaN;
  if (encoding !== "identity" || Number.isNaN(length)) return body;
  const fixed = new FixedLengthStream(length);
  // A failed pipe (a stalled or broken-off sender) errors `fixed.readable` for whoever
  // reads it; the pipe's own rejection is that same error, already handled there.
  body.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}
