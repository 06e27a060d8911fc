import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { StaleWhileErrorCache } from "../utils/StaleWhileErrorCache.ts";
import {
  fetchWithDeadlines,
  OriginTimeoutError,
  type DeadlineFetch,
  type OriginDeadlines,
} from "../http/fetchWithDeadlines.ts";
import { tenantById } from "../tenants/resolveTenant.ts";
import { tenantSettingsSchema, type TenantSettings } from "../tenants/tenantSettings.ts";
import { toFileMetadata, type FileMetadata } from "./fileMetadata.ts";
import { mimeTypeFor, validMediaType } from "./mimeType.ts";

/** A pull in progress: shared by concurrent first downloads in one isolate. */
interface Pull {
  result: Promise<FileMetadata | null>;
  /** Date.now() of the origin's last sign of life (start, headers, a body chunk). */
  lastProgress: number;
  /** The longest silence any waiter accepts before it gives up on this pull. */
  quietMs: number;
}

const inflight = new Map<string, Pull>();

/** Margin on top of the origin's own deadlines before a waiter stops trusting a pull. */
const WATCH_GRACE_MS = 1000;

/**
 * docs/CONTRACT.md §5: a file registered with an origin URL is fetched once and kept in R2.
 * Runs only when R2 has no object (the first download), so the hot path still reads no
 * D1 row. Concurrent first downloads in one isolate share one pull. The origin URL is
 * never put in a response.
 *
 * The origin gets the tenant's deadlines (`origin_timeout_seconds` for its headers,
 * `origin_stall_seconds` between body chunks); missing one is `504 origin_timeout`. A
 * failed or timed-out pull is dropped at once, so the next request starts a fresh one
 * instead of joining a dead one. Each waiter also watches the pull itself: a pull whose
 * request context went away (its timers with it) would otherwise keep every later
 * download waiting forever. The bytes are kept only if the file's row is still the
 * generation the pull read (recordSize): a store's upload, registration (also of the same
 * URL) or delete meanwhile wins.
 */
export async function pullFromOrigin(env: Env, tenantId: string, fileId: string): Promise<FileMetadata | null> {
  const key = `${tenantId}/${fileId}`;
  let pending = inflight.get(key);
  if (!pending) {
    const settings = (await tenantById(env, tenantId))?.settings ?? tenantSettingsSchema.parse({});
    // Another request may have started the pull while the settings were read.
    pending = inflight.get(key) ?? startPull(env, tenantId, fileId, settings);
  }
  return watch(key, pending);
}

function startPull(env: Env, tenantId: string, fileId: string, settings: TenantSettings): Pull {
  const key = `${tenantId}/${fileId}`;
  const headersMs = settings.origin_timeout_seconds * 1000;
  const stallMs = settings.origin_stall_seconds * 1000;
  const watched = { lastProgress: Date.now(), quietMs: Math.max(headersMs, stallMs) + WATCH_GRACE_MS };
  const onProgress = () => {
    watched.lastProgress = Date.now();
  };
  const result: Promise<FileMetadata | null> = pull(env, tenantId, fileId, { headersMs, stallMs, onProgress }).finally(
    () => {
      if (inflight.get(key)?.result === result) inflight.delete(key);
    },
  );
  const started: Pull = Object.assign(watched, { result });
  inflight.set(key, started);
  return started;
}

/** The pull's result, or 504 once it has been silent longer than it may be (then it is dropped). */
function watch(key: string, pull: Pull): Promise<FileMetadata | null> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const quiet = Date.now() - pull.lastProgress;
      if (quiet < pull.quietMs) {
        timer = setTimeout(check, pull.quietMs - quiet);
        return;
      }
      if (inflight.get(key) === pull) inflight.delete(key);
      reject(originTimeout(`${key}: the pull went silent for ${quiet} ms`));
    };
    timer = setTimeout(check, pull.quietMs);
    pull.result.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function originError(detail: string): HttpError {
  console.warn(`pull-through failed: ${detail}`);
  return new HttpError("origin_error", "The store's file server did not deliver this file. Please try again later.");
}

function originTimeout(detail: string): HttpError {
  console.warn(`pull-through timed out: ${detail}`);
  return new HttpError("origin_timeout", "The store's file server did not answer in time. Please try again shortly.");
}

type PullSource = { originUrl: string; mimeType: string; name: string; generation: number } | null;

/** Custom metadata of a pulled object: the generation of the file's row it was pulled for. */
const PULLED_FOR = "pulled_generation";

/**
 * Which files are pull-through, cached per isolate (misses too), so a link to a file
 * missing from R2 does not cost a D1 read on every request and keeps answering 404 from
 * a warm isolate while D1 is down.
 */
const sources = new StaleWhileErrorCache<PullSource>(30_000);

function pullSource(env: Env, tenantId: string, fileId: string): Promise<PullSource> {
  return sources.get(`${tenantId}/${fileId}`, async () => {
    const [row] = await drizzle(env.DB)
      .select({ originUrl: files.originUrl, mimeType: files.mimeType, name: files.name, generation: files.generation })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId), eq(files.source, "url")))
      .limit(1);
    return row?.originUrl
      ? { originUrl: row.originUrl, mimeType: row.mimeType, name: row.name, generation: row.generation }
      : null;
  });
}

/** After an upload or registration, the next download must see the new source at once. */
export function forgetPullSource(tenantId: string, fileId: string): void {
  sources.delete(`${tenantId}/${fileId}`);
}

async function pull(
  env: Env,
  tenantId: string,
  fileId: string,
  deadlines: OriginDeadlines,
  retried = false,
): Promise<FileMetadata | null> {
  const row = await pullSource(env, tenantId, fileId);
  if (!row) return null;
  const where = `${tenantId}/${fileId}`;

  const origin = await fetchFollowingHttps(row.originUrl, deadlines, where);
  const { response } = origin;
  if (!response.ok || !response.body) {
    discard(response);
    throw originError(`${where}: origin answered ${response.status}`);
  }
  const length = Number(response.headers.get("Content-Length") ?? "NaN");
  if (!Number.isSafeInteger(length) || length < 0) {
    discard(response);
    throw originError(`${where}: origin sent no Content-Length`);
  }

  const fixed = new FixedLengthStream(length);
  const pipe = new AbortController();
  // A failed pipe (a stall, a short body) fails the put below; its own rejection is that.
  response.body.pipeTo(fixed.writable, { signal: pipe.signal }).catch(() => {});
  let object: R2Object | null;
  try {
    object = await env.FILES.put(where, fixed.readable, {
      // Only into an empty key: an upload that landed while the origin was read is the
      // file now, and must not be overwritten by the older source's bytes.
      onlyIf: { etagDoesNotMatch: "*" },
      // A type stored before the admin API validated it must not break this write or,
      // later, every download's headers.
      httpMetadata: { contentType: validMediaType(row.mimeType) ?? mimeTypeFor(row.name) },
      customMetadata: { filename: row.name, [PULLED_FOR]: String(row.generation) },
    });
  } catch (error) {
    // A body that stalled, or one shorter than its Content-Length (a dropped origin
    // connection), lands here; R2 stored nothing.
    if (origin.stalled()) throw originTimeout(`${where}: the body stalled`);
    throw originError(`${where}: ${String(error)}`);
  }
  if (object === null) {
    pipe.abort();
    return afterLostPut(env, tenantId, fileId, row, deadlines, retried);
  }
  if (await recordSize(env, tenantId, fileId, row, object.size)) return toFileMetadata(object);
  // The file was uploaded, registered again or deleted while the origin was read: these
  // bytes are not the file. They go (unless something replaced them already), and the pull
  // starts once more from the row as it is now.
  await deleteIfStill(env, where, object.etag);
  return pullAgain(env, tenantId, fileId, deadlines, retried);
}

/**
 * Records the pulled size, only while the file's row is still the generation this pull
 * read: true when it was. An upload, registration or delete since raised or removed it.
 */
async function recordSize(
  env: Env,
  tenantId: string,
  fileId: string,
  row: NonNullable<PullSource>,
  size: number,
): Promise<boolean> {
  const updated = await drizzle(env.DB)
    .update(files)
    .set({ size })
    .where(thisGeneration(tenantId, fileId, row.generation))
    .returning({ id: files.id });
  return updated.length > 0;
}

function thisGeneration(tenantId: string, fileId: string, generation: number) {
  return and(
    eq(files.tenantId, tenantId),
    eq(files.id, fileId),
    eq(files.source, "url"),
    eq(files.generation, generation),
  );
}

/**
 * R2 already held an object when this pull's bytes arrived. An upload's (no generation) or
 * this registration's own (another isolate's pull of it) is the file: served. One pulled
 * for an earlier registration is not: while this pull's row is still current it goes (the
 * object that pull left), and either way the pull starts again from the row as it is.
 */
async function afterLostPut(
  env: Env,
  tenantId: string,
  fileId: string,
  row: NonNullable<PullSource>,
  deadlines: OriginDeadlines,
  retried: boolean,
): Promise<FileMetadata | null> {
  const where = `${tenantId}/${fileId}`;
  const existing = await env.FILES.head(where);
  const pulledFor = existing?.customMetadata?.[PULLED_FOR];
  if (existing && (pulledFor === undefined || pulledFor === String(row.generation))) return toFileMetadata(existing);
  if (existing) {
    const [current] = await drizzle(env.DB)
      .select({ id: files.id })
      .from(files)
      .where(thisGeneration(tenantId, fileId, row.generation))
      .limit(1);
    if (current) await deleteIfStill(env, where, existing.etag);
  }
  return pullAgain(env, tenantId, fileId, deadlines, retried);
}

/** Deletes the object only if it is still the one with `etag`: a newer upload is never removed. */
async function deleteIfStill(env: Env, where: string, etag: string): Promise<void> {
  const now = await env.FILES.head(where);
  if (now?.etag === etag) await env.FILES.delete(where);
}

/**
 * One more pull from the file's row as D1 holds it now. When the row is no longer a
 * pull-through file (uploaded since, or deleted), whatever R2 holds is the answer.
 */
async function pullAgain(
  env: Env,
  tenantId: string,
  fileId: string,
  deadlines: OriginDeadlines,
  retried: boolean,
): Promise<FileMetadata | null> {
  const where = `${tenantId}/${fileId}`;
  forgetPullSource(tenantId, fileId);
  if (retried) throw originError(`${where}: the file changed during two pulls in a row`);
  return (await pull(env, tenantId, fileId, deadlines, true)) ?? storedNow(env, where);
}

/** The object R2 holds for the file now, as serving needs it; null when there is none. */
async function storedNow(env: Env, where: string): Promise<FileMetadata | null> {
  const object = await env.FILES.head(where);
  return object ? toFileMetadata(object) : null;
}

/** Redirects a pull follows before it gives up (`502 origin_error`). */
const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The origin's answer, following at most MAX_REDIRECTS redirects by hand, each only to an
 * https URL. Registration accepts https source URLs only (the bytes become the store's
 * product, served to every buyer), and `redirect: "follow"` would let that origin, or
 * anyone who controls one of its hops, hand the pull a URL the registration refuses:
 * plain http, which anyone on the path can rewrite. Each hop gets the tenant's deadlines
 * afresh. What fails is `502 origin_error` (504 for a missed deadline), and the log says
 * why; it names the refused scheme and host, never the whole URL (which may carry a
 * presigned query).
 */
async function fetchFollowingHttps(
  sourceUrl: string,
  deadlines: OriginDeadlines,
  where: string,
): Promise<DeadlineFetch> {
  let url = sourceUrl;
  for (let hop = 0; ; hop++) {
    let origin: DeadlineFetch;
    try {
      origin = await fetchWithDeadlines(
        url,
        { redirect: "manual", headers: { "User-Agent": "dlgate-pull-through" } },
        deadlines,
      );
    } catch (error) {
      if (error instanceof OriginTimeoutError) throw originTimeout(`${where}: ${error.message}`);
      throw originError(`${where}: ${String(error)}`);
    }
    const { response } = origin;
    const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get("Location") : null;
    if (location === null) return origin;
    discard(response);
    if (hop === MAX_REDIRECTS) throw originError(`${where}: more than ${MAX_REDIRECTS} redirects`);
    const next = URL.parse(location, url);
    if (!next) throw originError(`${where}: origin answered ${response.status} with an invalid Location`);
    if (next.protocol !== "https:")
      throw originError(
        `${where}: origin redirected to a ${next.protocol} URL (${next.host || "no host"}); only https is followed`,
      );
    url = next.href;
  }
}

/** Lets go of an origin body the pull will not use; a failing cancel changes nothing about the answer. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}
