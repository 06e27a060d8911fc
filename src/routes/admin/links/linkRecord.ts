import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { linkColumnsOf, mirrorLinkState } from "../../../db/mirrorLinkState.ts";
import { files, links, orders } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { json } from "../../../http/json.ts";
import type { LinkSnapshot } from "../../../links/linkTypes.ts";
import { linkFigures } from "../../../policy/linkFigures.ts";
import { jsonList } from "../../../links/mintDownloadUrl.ts";
import { suppressedRequests, type SuppressedRequests } from "../../../scanners/suppressedRequests.ts";
import { isoFromMs, isoFromSeconds } from "../../../utils/time.ts";
import { findOrder } from "../../../listings/orderRows.ts";
import { externalLinkRow } from "../externalLinks.ts";

/**
 * A link's D1 row with its order's status, its file's name and whether that file still
 * exists, as every link endpoint starts from.
 */
export async function loadLink(env: Env, tenantId: string, linkId: string) {
  const [row] = await drizzle(env.DB)
    .select({ link: links, orderStatus: orders.status, fileName: files.name, fileId: files.id })
    .from(links)
    .innerJoin(orders, and(eq(orders.tenantId, links.tenantId), eq(orders.number, links.orderNumber)))
    .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
    .where(and(eq(links.tenantId, tenantId), eq(links.id, linkId)))
    .limit(1);
  // No row: a link the store signed itself is served from its Durable Object once seen.
  if (!row) return externalLinkRow(env, tenantId, linkId);
  const { fileId, ...record } = row;
  return { ...record, fileRemoved: fileId === null };
}

/** The status of the link's order now, read again (null for a link the store signed itself). */
export async function orderStatusOf(env: Env, tenantId: string, row: LinkRecord): Promise<string | null> {
  return (await findOrder(drizzle(env.DB), tenantId, row.link.orderNumber))?.status ?? null;
}

export type LinkRecord = Awaited<ReturnType<typeof loadLink>>;

/** The D1 row with the Durable Object's live state laid over it (the DO is the truth). */
export function linkView(row: LinkRecord, state: LinkSnapshot, suppressed: SuppressedRequests) {
  const live = { ...row.link, ...linkColumnsOf(state) };
  const figures = linkFigures(live, row.orderStatus, Date.now(), row.fileRemoved);
  return {
    id: live.id,
    order_number: live.orderNumber,
    item_id: live.itemId,
    file_id: live.fileId,
    customer_id: live.customerId,
    status: figures.status,
    download_count: live.downloadCount,
    download_limit: figures.limit,
    remaining_downloads: figures.remaining,
    expires_at: isoFromSeconds(figures.expiresAt),
    is_expired: figures.isExpired,
    // A canceled order's links are revoked even where the link's object has not heard yet.
    revoked: live.revoked || row.orderStatus === "canceled",
    suspended: state.suspended,
    flagged: state.flagged && {
      at: isoFromMs(state.flagged.at) as string,
      reason: state.flagged.reason,
      networks: state.flagged.networks,
      countries: state.flagged.countries,
      action: state.flagged.action,
    },
    ip_restriction: live.ipRestriction ? (JSON.parse(live.ipRestriction) as string[]) : null,
    device_limit: live.deviceLimit,
    allowed_countries: jsonList(live.allowedCountries) ?? null,
    blocked_countries: jsonList(live.blockedCountries) ?? null,
    devices_used: state.deviceCount,
    require_login: live.requireLogin,
    last_download_at: isoFromMs(live.lastDownloadAt),
    grant: { download_limit: live.downloadLimit, expires_at: isoFromSeconds(live.expiresAt) },
    suppressed,
  };
}

/** Waits before each background retry of a listing-copy write that failed after a change. */
const MIRROR_RETRY_DELAYS_MS = [1_000, 5_000, 20_000];

/**
 * A store's change to a link, and the answer with the link as it then is.
 *
 * Everything read from D1 is read before the link's object is changed: once the object has
 * committed, the change is made, and answering 503 because D1 failed after it would make
 * the store retry a change that already happened (an `add_downloads` added twice). The
 * listing copy is written before answering, so listings agree with the answer; when that
 * write fails, the answer is still 200 (the object, which every download asks, holds the
 * change) and the write is retried in the background and again with the link's next
 * download. The version guard in mirrorLinkState keeps the copy monotonic.
 */
export async function changeLink(
  env: Env,
  ctx: ExecutionContext,
  tenantId: string,
  linkId: string,
  apply: (row: LinkRecord) => Promise<LinkSnapshot>,
): Promise<Response> {
  const row = await loadLink(env, tenantId, linkId);
  const suppressed = await suppressedRequests(env.DB, tenantId, linkId);
  const state = await apply(row);
  const mirror = () => mirrorLinkState(env.DB, { tenantId, linkId, state }).run();
  try {
    await mirror();
  } catch (error) {
    console.error(`link ${tenantId}/${linkId}: the listing copy was not written; retrying in the background`, error);
    ctx.waitUntil(retryInBackground(mirror, `link ${tenantId}/${linkId}: listing copy`));
  }
  return json(linkView(row, state, suppressed));
}

async function retryInBackground(write: () => Promise<unknown>, what: string): Promise<void> {
  for (const delay of MIRROR_RETRY_DELAYS_MS) {
    await scheduler.wait(delay);
    try {
      await write();
      return;
    } catch (error) {
      console.warn(`${what}: still failing`, error);
    }
  }
}
