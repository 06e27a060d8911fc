import { SECURITY_HEADERS } from "../http/renderError.ts";
import { contentDisposition } from "./contentDisposition.ts";
import type { FileMetadata } from "./fileMetadata.ts";
import { mimeTypeFor, validMediaType } from "./mimeType.ts";

/** The name a customer's file is saved under: the token's `fn`, the uploaded name, or the file id. */
export function presentedName(file: FileMetadata, claimedName: string | undefined, fileId: string): string {
  return claimedName ?? file.fileName ?? fileId;
}

/**
 * Stored type first (the uploader knew best) when it is a valid header value, then the
 * extension, then octet-stream: stored metadata never breaks a response.
 */
export function presentedType(file: FileMetadata, name: string): string {
  return validMediaType(file.contentType) ?? mimeTypeFor(name);
}

/** Validators and caching headers shared by 200, 206, 304 and HEAD. */
export function validatorHeaders(file: FileMetadata): Headers {
  return new Headers({
    ...SECURITY_HEADERS,
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
