/**
 * HEAD answers (RFC 9110 §9.3.2): the GET's status and headers, `Content-Length` included,
 * without the body. A string body's length is counted here; the runtime would only have
 * set it from a body that is sent, and a HEAD sends none.
 */
import { utf8Length } from "../utils/encoding.ts";

/** The answer a GET would give with `body`, as a HEAD answer: its length, no body. */
export function bodilessAnswer(body: string, init: { status: number; headers: Headers }): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Length", String(utf8Length(body)));
  return new Response(null, { status: init.status, headers });
}

/** Bodies up to this size are read to learn their length; a longer one (an export) is cancelled, its length unsaid. */
const MEASURED_UP_TO = 1 << 20;

/** A GET's answer as a HEAD answer: its length when the body is short, no body either way. */
export async function withoutBody(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (response.body && !headers.has("Content-Length")) {
    const length = await lengthUpTo(response.body, MEASURED_UP_TO);
    if (length !== null) headers.set("Content-Length", String(length));
  } else await response.body?.cancel();
  return new Response(null, { status: response.status, headers });
}

/** The body's length when it ends within `limit` bytes, else null; the body is consumed or cancelled. */
async function lengthUpTo(body: ReadableStream<Uint8Array>, limit: number): Promise<number | null> {
  const reader = body.getReader();
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return length;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      return null;
    }
  }
}
