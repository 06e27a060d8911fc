import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { StaleWhileErrorCache } from "../utils/StaleWhileErrorCache.ts";
import { toFileMetadata, type FileMetadata } from "./fileMetadata.ts";

const inflight = new Map<string, Promise<FileMetadata | null>>();

/**
 * docs/CONTRACT.md §5: a file registered with an origin URL is fetched once and kept in R2.
 * Runs only when R2 has no object (the first download), so the hot path still reads no
 * D1 row. Concurrent first downloads in one isolate share one pull. The origin URL is
 * never put in a response.
 */
export function pullFromOrigin(env: Env, tenantId: string, fileId: string): Promise<FileMetadata | null> {
  const key = `${tenantId}/${fileId}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = pull(env, tenantId, fileId).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

function originError(detail: string): HttpError {
  console.warn(`pull-through failed: ${detail}`);
  return new HttpError("origin_error", "The store's file server did not deliver this file. Please try again later.");
}

type PullSource = { originUrl: string; mimeType: string; name: string } | null;

/**
 * Which files are pull-through, cached per isolate (misses too), so a link to a file
 * missing from R2 does not cost a D1 read on every request and keeps answering 404 from
 * a warm isolate while D1 is down.
 */
const sources = new StaleWhileErrorCache<PullSource>(30_000);

function pullSource(env: Env, tenantId: string, fileId: string): Promise<PullSource> {
  return sources.get(`${tenantId}/${fileId}`, async () => {
    const [row] = await drizzle(env.DB)
      .select({ originUrl: files.originUrl, mimeType: files.mimeType, name: files.name })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId), eq(files.source, "url")))
      .limit(1);
    return row?.originUrl ? { originUrl: row.originUrl, mimeType: row.mimeType, name: row.name } : null;
  });
}

/** After an upload or registration, the next download must see the new source at once. */
export function forgetPullSource(tenantId: string, fileId: string): void {
  sources.delete(`${tenantId}/${fileId}`);
}

async function pull(env: Env, tenantId: string, fileId: string): Promise<FileMetadata | null> {
  const db = drizzle(env.DB);
  const row = await pullSource(env, tenantId, fileId);
  if (!row) return null;

  let response: Response;
  try {
    response = await fetch(row.originUrl, { redirect: "follow", headers: { "User-Agent": "dlgate-pull-through" } });
  } catch (error) {
    throw originError(`${tenantId}/${fileId}: ${String(error)}`);
  }
  if (!response.ok || !response.body) throw originError(`${tenantId}/${fileId}: origin answered ${response.status}`);
  const length = Number(response.headers.get("Content-Length") ?? "NaN");
  if (!Number.isSafeInteger(length) || length < 0) {
    await response.body.cancel();
    throw originError(`${tenantId}/${fileId}: origin sent no Content-Length`);
  }

  let object: R2Object;
  try {
    object = await env.FILES.put(`${tenantId}/${fileId}`, response.body.pipeThrough(new FixedLengthStream(length)), {
      httpMetadata: { contentType: row.mimeType },
      customMetadata: { filename: row.name },
    });
  } catch (error) {
    // A body shorter than its Content-Length (a dropped origin connection) lands here.
    throw originError(`${tenantId}/${fileId}: ${String(error)}`);
  }
  await db
    .update(files)
    .set({ size: object.size })
    .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)));
  return toFileMetadata(object);
}
