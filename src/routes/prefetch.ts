import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import type { AdmitBase } from "../links/linkTypes.ts";
import { logDownloadEvent } from "../links/downloadLogBatch.ts";
import type { linkStub } from "../links/linkStub.ts";
import { refusalError } from "../policy/refusalError.ts";

/**
 * Seconds a browser should leave the link alone. Chromium also stops prefetching from
 * the whole origin for this long, which on a gateway in front of a storefront includes
 * the store's own pages: short keeps that cost small.
 */
export const PREFETCH_RETRY_AFTER_SECONDS = 30;

/**
 * docs/CONTRACT.md §5 and §6 rule 2: a prefetch or prerender gets `503` with `Retry-After` and
 * `Cache-Control: no-store`, never file bytes, and is not counted. Chromium discards a
 * non-2xx prefetch, so the customer's click then fetches (and counts) the real file.
 * The link still judges the request like a HEAD, so the log shows a prefetch of a used-up
 * or expired link as that refusal (also non-2xx), and every prefetch with its reason.
 */
export async function refusePrefetch(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  admitBase: AdmitBase,
): Promise<never> {
  const result = await link.admit({
    ...admitBase,
    delivers: true,
    sendsBody: false,
    rangeStart: null,
    plannedStatus: 503,
    plannedBytes: 0,
    uncounted: "prefetch",
  });
  logDownloadEvent(ctx, env, result);
  if (!result.ok) throw refusalError(result.reason);
  throw new HttpError(
    "unavailable",
    "Prefetches and prerenders of download links are not served; open the link to download the file.",
    { "Retry-After": String(PREFETCH_RETRY_AFTER_SECONDS), "Cache-Control": "no-store" },
  );
}
