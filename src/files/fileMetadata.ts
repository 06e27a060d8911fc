/** What serving needs to know about a stored file, from one R2 `head`. */
export interface FileMetadata {
  key: string;
  size: number;
  /** R2's etag, unquoted, for `onlyIf.etagMatches`. */
  etag: string;
  /** The same, quoted, as sent in the ETag header. R2 etags are strong. */
  httpEtag: string;
  /** Unix ms. */
  uploaded: number;
  contentType: string | null;
  /** The original file name, kept by the uploader in custom metadata. */
  fileName: string | null;
}

const METADATA_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const cache = new Map<string, { value: FileMetadata; freshUntil: number }>();

/**
 * R2 metadata, cached in the isolate so a warm download costs one R2 read, not two.
 * A stale entry is harmless: the body is fetched with `onlyIf: { etagMatches }`, and
 * a mismatch makes the caller forget the entry and start over. Missing objects are
 * not cached, so an upload is visible at once.
 */
export async function fileMetadata(bucket: R2Bucket, key: string, now = Date.now()): Promise<FileMetadata | null> {
  const hit = cache.get(key);
  if (hit && hit.freshUntil > now) return hit.value;
  const object = await bucket.head(key);
  if (!object) {
    cache.delete(key);
    return null;
  }
  const value = toFileMetadata(object);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, { value, freshUntil: now + METADATA_TTL_MS });
  return value;
}

export function forgetFileMetadata(key: string): void {
  cache.delete(key);
}

export function toFileMetadata(object: R2Object): FileMetadata {
  return {
    key: object.key,
    size: object.size,
    etag: object.etag,
    httpEtag: object.httpEtag,
    uploaded: object.uploaded.getTime(),
    contentType: object.httpMetadata?.contentType ?? null,
    fileName: object.customMetadata?.filename ?? null,
  };
}
