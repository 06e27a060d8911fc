import { hex } from "../../../utils/encoding.ts";

/** SHA-256 of a stream, hex, read once without holding it in memory. */
export async function sha256Of(stream: ReadableStream): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  return hex(await digest.digest);
}
