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
import { externalLinkRow } from "../externalLinks.ts";

/** A link's D1 row with its order's status and file name, as every link endpoint starts from. */
export async function loadLink(env: Env, tenantId: string, linkId: string) {
  const [row] = await drizzle(env.DB)
    .select({ link: links, orderStatus: orders.status, fileName: files.name })
    .from(links)
    .innerJoin(orders, and(eq(orders.tenantId, links.tenantId), eq(orders.number, links.orderNumber)))
    .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
    .where(and(eq(links.tenantId, tenantId), eq(links.id, linkId)))
    .limit(1);
  // No row: a link the store signed itself is served from its Durable Object once seen.
  return row ?? externalLinkRow(env, tenantId, linkId);
}

export type LinkRecord = Awaited<ReturnType<typeof loadLink>>;

/** The D1 row with the Durable Object's live state laid over it (the DO is the truth). */
export function linkView(row: LinkRecord, state: LinkSnapshot, suppressed: SuppressedRequests) {
  const live = { ...row.link, ...linkColumnsOf(state) };
  const figures = linkFigures(live, row.orderStatus, Date.now(), row.fileName === null);
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

/** Answers a change with the link as it now is, mirrored to D1 first so listings agree with the answer. */
export async function respondWithState(env: Env, tenantId: string, row: LinkRecord, state: LinkSnapshot) {
  // The version guard in mirrorLinkState keeps the mirror monotonic.
  await mirrorLinkState(env.DB, { tenantId, linkId: row.link.id, state }).run();
  return json(linkView(row, state, await suppressedRequests(env.DB, tenantId, row.link.id)));
}
