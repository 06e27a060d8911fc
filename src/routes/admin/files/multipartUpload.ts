import type { Env } from "../../../env.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { derivedHmacKey } from "../../../tenants/derivedKey.ts";
import { base64url, fromBase64url } from "../../../utils/encoding.ts";

// Multipart upload (R2 multipart: parts of ≥ 5 MiB except the last, up to 10,000 parts).

/** Its own label: the key binds upload ids and signs nothing else the MASTER_KEY protects. */
const UPLOAD_LABEL = "dlgate uploads v1";

function uploadKey(env: Env): Promise<CryptoKey> {
  return derivedHmacKey(env.MASTER_KEY, UPLOAD_LABEL, ["sign", "verify"]);
}

const material = (objectKey: string, r2UploadId: string, nonce: string) =>
  new TextEncoder().encode(`${objectKey}\n${r2UploadId}\n${nonce}`);

/** An upload as the start call made it: R2's upload, and the nonce its object carries. */
export interface BoundUpload {
  r2: R2MultipartUpload;
  /** Also in the object's custom metadata (`upload`), so a retried complete can tell its own object. */
  nonce: string;
}

/** Custom metadata key of the upload's nonce on the object (startUpload.ts). */
export const UPLOAD_NONCE_METADATA = "upload";

/**
 * The id the start call answers: R2's upload id, a nonce the object also carries, and a MAC
 * binding both to this tenant's file. R2 checks only that an upload id exists, and its local
 * simulator answers one used for another object with an "internal error"; bound here, an id
 * of another file or store (or none at all) is refused as the caller's mistake before R2 is
 * asked, and what R2 still answers with an error is R2's own trouble.
 */
export async function issueUploadId(
  env: Env,
  tenantId: string,
  fileId: string,
  r2UploadId: string,
  nonce: string,
): Promise<string> {
  const signed = material(`${tenantId}/${fileId}`, r2UploadId, nonce);
  const mac = await crypto.subtle.sign("HMAC", await uploadKey(env), signed);
  return `${r2UploadId}.${nonce}.${base64url(new Uint8Array(mac))}`;
}

/** The tenant's upload of a file, by the id its start call answered; 400 naming `upload` for any other id. */
export async function multipartUpload(
  env: Env,
  tenantId: string,
  fileId: string,
  uploadId: string,
): Promise<BoundUpload> {
  const objectKey = `${tenantId}/${fileId}`;
  const macAt = uploadId.lastIndexOf(".");
  const nonceAt = uploadId.lastIndexOf(".", macAt - 1);
  const r2UploadId = nonceAt > 0 ? uploadId.slice(0, nonceAt) : "";
  const nonce = uploadId.slice(nonceAt + 1, macAt);
  const mac = r2UploadId !== "" && nonce !== "" ? macBytes(uploadId.slice(macAt + 1)) : null;
  const bound =
    mac !== null &&
    (await crypto.subtle.verify("HMAC", await uploadKey(env), mac, material(objectKey, r2UploadId, nonce)));
  if (!bound) {
    const message = "not an upload started for this file";
    throw new HttpError("bad_request", `The upload was refused: ${message}.`, {}, [{ path: "upload", message }]);
  }
  return { r2: env.FILES.resumeMultipartUpload(objectKey, r2UploadId), nonce };
}

/** The id's MAC as bytes, or null when that part is not base64url. */
function macBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return null;
  try {
    return fromBase64url(text);
  } catch {
    return null;
  }
}

/** R2 error codes (at the end of its messages) that are R2's trouble, not the caller's: retried as 503. */
const R2_OUTAGE_CODES = new Set([
  10001, // InternalError
  10043, // ServiceUnavailable
  10058, // TooManyRequests
]);

/**
 * R2 rejects unknown upload ids and bad part lists; those are the caller's mistakes (400
 * naming `upload`), not outages. R2's own failures, and anything else, are thrown on as
 * they are (503 `unavailable`, errorBoundary.ts).
 */
export async function refusedAsBadRequest<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = Number(/\((\d{5})\)\s*$/.exec(message)?.[1]);
    if (!R2_OUTAGE_CODES.has(code) && /upload|part|etag|entity/i.test(message)) {
      throw new HttpError("bad_request", `The upload was refused: ${message}`, {}, [{ path: "upload", message }]);
    }
    throw error;
  }
}
