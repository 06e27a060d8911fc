import { z } from "zod";
import { sanitizeFileName } from "../../../files/contentDisposition.ts";
import { mimeTypeFor } from "../../../files/mimeType.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { parseInput } from "../../../http/readJson.ts";
import { fileNameSchema, mimeTypeSchema } from "../../../http/textInput.ts";

/** What an upload request says besides its bytes: the file's name and type, and the body's length. */

/** Workers accept request bodies up to 100 MB; larger files go through multipart upload. */
export const MAX_SINGLE_UPLOAD_BYTES = 100 * 1000 * 1000;

/** The query of the routes that name a file's bytes (single upload, multipart start). */
export const uploadQuerySchema = z.strictObject({
  name: fileNameSchema.optional().meta({ description: "File name (or X-File-Name; not both)" }),
});

/** Documents the headers that name and type the file. */
export const uploadHeaders = z.object({
  "X-File-Name": z.string().optional().meta({ description: "File name, percent-encoded UTF-8 allowed" }),
  "Content-Type": z.string().optional().meta({ description: "Stored MIME type; else from the name" }),
});

/** Documents the length a streamed body must declare. */
export const sizedHeaders = z.object({
  "Content-Length": z.string().meta({ description: `Required; at most ${MAX_SINGLE_UPLOAD_BYTES} bytes` }),
});

/** A streamed body of raw bytes, as the upload routes take it. */
export const streamedBytes = {
  stream: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } },
  description: "The bytes, with their Content-Length",
};

/**
 * Name from `X-File-Name` (percent-encoded UTF-8 allowed) or `?name=`, else the id. Control
 * characters are refused (400 naming where they came from); path parts are cut off. Both
 * at once are refused: which of the two names the store meant cannot be known.
 */
export function uploadName(request: Request, queryName: string | undefined, fileId: string): string {
  const header = request.headers.get("X-File-Name");
  if (header === null) return sanitizeFileName(queryName ?? fileId);
  if (queryName !== undefined) {
    const message = "the file is named twice (X-File-Name and ?name=); send one";
    throw new HttpError("bad_request", `Invalid input: ${message}.`, {}, [
      { path: "X-File-Name", message },
      { path: "name", message },
    ]);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(header);
  } catch {
    throw new HttpError("bad_request", "X-File-Name is not valid percent-encoding.", {}, [
      { path: "X-File-Name", message: "bad encoding" },
    ]);
  }
  return sanitizeFileName(
    parseInput(z.object({ "X-File-Name": fileNameSchema }), { "X-File-Name": decoded })["X-File-Name"],
  );
}

/**
 * The declared Content-Type, when it is one (RFC 9110 media type), else a guess from the
 * name. `application/octet-stream` declares nothing, and neither does
 * `application/x-www-form-urlencoded`: it is what `curl --data-binary @file` sends when no
 * type is given, and no file is a form (the download would be offered as one). A malformed
 * one is refused rather than stored: it would be sent back as the Content-Type of every
 * download. So is a form upload (`multipart/form-data`): its body is not the file.
 */
export function uploadType(request: Request, name: string): string {
  const declared = request.headers.get("Content-Type")?.trim();
  const essence = essenceOf(request);
  refuseForm(essence);
  if (!declared || essence === "application/octet-stream" || essence === "application/x-www-form-urlencoded")
    return mimeTypeFor(name);
  return parseInput(z.object({ "Content-Type": mimeTypeSchema }), { "Content-Type": declared })["Content-Type"];
}

/**
 * `curl -F file=@a.pdf` wraps the bytes in a form: stored as sent, every customer would get
 * the boundary lines and part headers around the file, typed as a form. Refused wherever
 * bytes or a type are taken: uploads, multipart starts and their parts.
 */
function refuseForm(essence: string | undefined): void {
  if (essence !== "multipart/form-data") return;
  const message =
    "the body is a form (curl -F); send the file's bytes as the body (curl -T file, or --data-binary @file)";
  throw new HttpError("bad_request", `Invalid input: ${message}.`, {}, [{ path: "Content-Type", message }]);
}

/** The media type of the request's Content-Type without its parameters, in lower case. */
const essenceOf = (request: Request) => request.headers.get("Content-Type")?.split(";")[0]?.trim().toLowerCase();

export interface SizedBodyRules {
  /** The smallest length accepted (a whole file may be empty, a part may not). */
  min: number;
  /** Why a missing or smaller length is refused. */
  missing: string;
  /** Why a length over MAX_SINGLE_UPLOAD_BYTES is refused. */
  tooLarge: string;
}

/**
 * The body and its declared length: R2 needs the length up front (FixedLengthStream then
 * holds the body to it), and the limit is checked before a byte is read.
 */
export function sizedBody(request: Request, rules: SizedBodyRules): { body: ReadableStream; length: number } {
  refuseForm(essenceOf(request));
  const length = Number(request.headers.get("Content-Length") ?? "NaN");
  if (!Number.isSafeInteger(length) || length < rules.min || !request.body) {
    throw new HttpError("bad_request", rules.missing, {}, [{ path: "Content-Length", message: "required" }]);
  }
  if (length > MAX_SINGLE_UPLOAD_BYTES) throw new HttpError("payload_too_large", rules.tooLarge);
  return { body: request.body, length };
}
