import { z } from "zod";
import { HttpError } from "./HttpError.ts";
import { issueDetails } from "./issueDetails.ts";

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
  let text = "";
  if (request.body) {
    const reader = request.body.getReader();
    const decoder = new TextDecoder();
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  }
  let raw: unknown;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError("bad_request", "The body is not valid JSON.", {}, [{ path: "", message: "invalid JSON" }]);
  }
  return parseInput(schema, raw);
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
    if (details.length > shown.length) shown.push(`${details.length - shown.length} more`);
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
