import { hex } from "../../../utils/encoding.ts";

/** SHA-256 of a stream, hex, read once without holding it in memory. */
export async function sha256Of(stream: ReadableStream): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  return hex(await digest.digest);
}

/**
 * A pass-through that hashes what flows through it (SHA-256, hex, in `sha256` once the
 * stream has ended). Each chunk is hashed before it is passed on, so memory holds at most
 * the chunks in flight. A `tee()` into a hash and a slower consumer (an R2 upload) would
 * instead buffer everything the fast branch ran ahead by, up to the whole file.
 */
export function hashingStream(): { stream: TransformStream<Uint8Array, Uint8Array>; sha256: Promise<string> } {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      // The digest keeps no reference once the write resolves; a copy keeps the chunk passed on intact either way.
      await writer.write(chunk.slice());
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  });
  return { stream, sha256: digest.digest.then(hex) };
}
