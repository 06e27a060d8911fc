import { z } from "zod";
import { HttpError } from "./HttpError.ts";
import { issueCount, issueDetails } from "./issueDetails.ts";
import { repeatedKeyAt } from "./repeatedKey.ts";

/** JSON bodies of the issuer API are small; files go through the upload routes. */
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Reads and validates a JSON body: 413 past the size limit (checked while reading, not
 * trusting Content-Length), 400 `bad_request` with one `details` entry per bad field.
 */
export async function readJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes = MAX_JSON_BYTES,
): Promise<z.infer<S>> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  // A compressed body would otherwise be read as text and refused as "not valid UTF-8".
  const encoding = request.headers.get("Content-Encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    const message = "compressed bodies are not accepted; send the JSON uncompressed";
    throw new HttpError("bad_request", `Invalid input: ${message}.`, {}, [{ path: "Content-Encoding", message }]);
  }
  let text = "";
  if (request.body) {
    const reader = request.body.getReader();
    // Fatal: bytes that are not UTF-8 are refused, not turned into U+FFFD and stored.
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      text += decodeUtf8(decoder, value);
    }
    text += decodeUtf8(decoder);
  }
  // Only JSON's own whitespace is no body at all, as an empty one is.
  if (/^[ \t\r\n]*$/.test(text)) text = "";
  let raw: unknown;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError("bad_request", "The body is not valid JSON.", {}, [{ path: "", message: "invalid JSON" }]);
  }
  const repeated = text === "" ? null : repeatedKeyAt(text);
  if (repeated !== null) {
    const message = "given more than once (which of the two was meant cannot be known)";
    throw new HttpError("bad_request", `Invalid input: ${repeated} ${message}.`, {}, [{ path: repeated, message }]);
  }
  const unpaired = loneSurrogateAt(raw);
  if (unpaired !== null) {
    const message = "holds an unpaired UTF-16 surrogate (a \\uD800–\\uDFFF escape without its pair), which is no text";
    throw new HttpError("bad_request", `Invalid input: ${unpaired || "(body)"} ${message}.`, {}, [
      { path: unpaired, message },
    ]);
  }
  return parseInput(schema, raw);
}

function decodeUtf8(decoder: TextDecoder, bytes?: Uint8Array): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    throw new HttpError("bad_request", "The body is not valid UTF-8.", {}, [{ path: "", message: "invalid UTF-8" }]);
  }
}

/** A surrogate without its pair: what JSON's \u escapes can spell but UTF-8 (and D1) cannot store. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first key or string in `value` with an unpaired surrogate, or null. Stored
 * as UTF-8 it would become U+FFFD: the stored value would differ from the one sent, and an
 * identical retry of an order would no longer match it (409 instead of 200).
 */
function loneSurrogateAt(value: unknown): string | null {
  // A stack, not recursion, and paths spelt only for the one found: a body may nest
  // thousands of levels deep, and spelling every node's path would cost its depth each.
  const nodes: { parent: number; key: string }[] = [{ parent: -1, key: "" }];
  const pathOf = (node: number): string => {
    const keys: string[] = [];
    for (let at = node; at > 0; at = nodes[at]?.parent ?? 0) keys.push(nodes[at]?.key ?? "");
    return keys.reverse().join(".");
  };
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, node] = next;
    if (typeof item === "string") {
      if (LONE_SURROGATE.test(item)) return pathOf(node);
    } else if (typeof item === "object" && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        nodes.push({ parent: node, key });
        if (LONE_SURROGATE.test(key)) return pathOf(nodes.length - 1);
        pending.push([child, nodes.length - 1]);
      }
    }
  }
  return null;
}

/**
 * Validates any untrusted value (body, query) against a schema, or throws 400 `bad_request`
 * whose `details` name each bad field (unknown fields with what was probably meant).
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = issueDetails(schema, raw, parsed.error.issues);
    const shown = details.slice(0, 5).map((d) => `${d.path || "(body)"}: ${d.message}`);
    // The count of every bad field, as `details`' last entry gives it when it stops listing.
    const total = issueCount(parsed.error.issues);
    if (total > shown.length) shown.push(`${total - shown.length} more`);
    throw new HttpError("bad_request", `Invalid input: ${shown.join("; ")}.`, {}, details);
  }
  return parsed.data;
}

/**
 * Validates a request's query string against a strict object schema: an unknown parameter
 * is refused like an unknown body field, and so is a parameter given twice (which of the
 * two a client meant cannot be known).
 */
export function readQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = new URL(request.url).searchParams;
  const values = new Map<string, string>();
  const repeated: { path: string; message: string }[] = [];
  for (const [name, value] of params) {
    if (values.has(name)) repeated.push({ path: name, message: "given more than once" });
    values.set(name, value);
  }
  if (repeated.length > 0) {
    throw new HttpError(
      "bad_request",
      `Invalid query: ${repeated.map((r) => r.path).join(", ")} given more than once.`,
      {},
      repeated,
    );
  }
  // fromEntries defines own properties, so even `?__proto__=` is just an unknown name.
  return parseInput(schema, Object.fromEntries(values));
}

/** For routes without query parameters: any parameter is refused, so a misspelt option is never ignored. */
export const noQuerySchema = z.strictObject({});

/** For POST routes without a body: none (or `{}`) is fine, any field is refused rather than ignored. */
export const noBodySchema = z.strictObject({});

function tooLarge(maxBytes: number): HttpError {
  return new HttpError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
}
