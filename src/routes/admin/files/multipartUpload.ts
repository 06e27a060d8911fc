import type { Env } from "../../../env.ts";
import { HttpError } from "../../../http/HttpError.ts";

// Multipart upload (R2 multipart: parts of ≥ 5 MiB except the last, up to 10,000 parts).

/** The tenant's upload of a file, by the id its start call answered; R2 checks the id on use. */
export function multipartUpload(env: Env, tenantId: string, fileId: string, uploadId: string): R2MultipartUpload {
  return env.FILES.resumeMultipartUpload(`${tenantId}/${fileId}`, uploadId);
}

/**
 * R2 rejects unknown upload ids and bad part lists; those are the caller's mistakes (400
 * naming `upload`), not outages. Anything else is thrown on as it is.
 */
export async function refusedAsBadRequest<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/upload|part|etag|entity/i.test(message)) {
      throw new HttpError("bad_request", `The upload was refused: ${message}`, {}, [{ path: "upload", message }]);
    }
    throw error;
  }
}
