import type { z } from "zod";
import { HttpError } from "./HttpError.ts";

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

/** Validates any untrusted value (body, query) against a schema, or throws 400 with details. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    throw new HttpError(
      "bad_request",
      `Invalid input: ${details.map((d) => d.path || "(body)").join(", ")}.`,
      {},
      details,
    );
  }
  return parsed.data;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
}
