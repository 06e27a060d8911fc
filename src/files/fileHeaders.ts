import { SECURITY_HEADERS } from "../http/renderError.ts";
import { contentDisposition, sanitizeFileName } from "./contentDisposition.ts";
import type { FileMetadata } from "./fileMetadata.ts";
import { mimeTypeFor, validMediaType } from "./mimeType.ts";

/** The name a download is saved under and /info shows: the token's `fn`, the uploaded name, or the file id. */
export function presentedName(file: FileMetadata, claimedName: string | undefined, fileId: string): string {
  return presentedFileName(claimedName ?? file.fileName, fileId);
}

/**
 * The name shown for a file anywhere a customer sees one (downloads, /info, listings and
 * the profiles' JSON): the stored (or claimed) name, else the file id, cleaned by
 * `sanitizeFileName`. Names are cleaned here, when presented, and not only on upload:
 * a token's `fn` or an R2 object's metadata never went through the issuer API.
 */
export function presentedFileName(name: string | null | undefined, fileId: string): string {
  return sanitizeFileName(name ?? fileId);
}

/**
 * Stored type first (the uploader knew best) when it is a valid header value, then the
 * extension, then octet-stream: stored metadata never breaks a response.
 */
export function presentedType(file: FileMetadata, name: string): string {
  return validMediaType(file.contentType) ?? mimeTypeFor(name);
}

/**
 * The file's bytes are sent as stored: `no-transform` keeps Cloudflare's edge (and any
 * proxy) from compressing text, JSON, SVG or font files on the way out, which drops
 * `Content-Length` (no progress bar, no size check), makes the HEAD twin disagree with the
 * GET, gives a different body the same strong ETag (RFC 9110 §8.8.3), and makes the bytes
 * the refund rule counts differ from the bytes the client gets.
 */
const FILE_CACHE_CONTROL = `${SECURITY_HEADERS["Cache-Control"]}, no-transform`;

/** Validators and caching headers shared by 200, 206, 304 and HEAD. */
export function validatorHeaders(file: FileMetadata): Headers {
  return new Headers({
    ...SECURITY_HEADERS,
    "Cache-Control": FILE_CACHE_CONTROL,
    ETag: file.httpEtag,
    "Last-Modified": new Date(file.uploaded).toUTCString(),
    "Accept-Ranges": "bytes",
  });
}

/** Everything a 200/206 (or its HEAD) carries besides Content-Range. */
export function fileHeaders(file: FileMetadata, name: string, length: number, userAgent: string | null): Headers {
  const headers = validatorHeaders(file);
  headers.set("Content-Type", presentedType(file, name));
  headers.set("Content-Disposition", contentDisposition(name, userAgent));
  headers.set("Content-Length", String(length));
  return headers;
}
