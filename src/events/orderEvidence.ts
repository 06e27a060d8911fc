import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { downloadEvents, files, links, orderItems, orders } from "../db/schema.ts";
import { linkFigures } from "../policy/linkFigures.ts";
import { isoFromMs, isoFromSeconds } from "../utils/time.ts";

/** At most this many log rows go into one evidence document (an order rarely has a hundred). */
export const MAX_EVIDENCE_ROWS = 5000;

/**
 * What became of a file after the order's deliveries: `unchanged` (the stored version is
 * the one every logged delivery sent, or nothing was sent), `replaced` (uploaded again, or
 * registered again, after a delivery: its name, size and SHA-256 describe the new version),
 * `deleted`.
 */
export type FileStatus = "unchanged" | "replaced" | "deleted";

/**
 * Everything the gateway can say about one order for a payment dispute: what was bought
 * (items, files with size and SHA-256), every request that reached its links with its
 * facts, and totals. Null when the tenant has no such order.
 *
 * A file's row describes its current version only, so each file's stored object is asked
 * when it was uploaded (R2 `uploaded`, Unix ms): a request logged before that instant was
 * answered from an earlier version. A whole 200 written to the end proves a full delivery
 * of whatever version it was; byte ranges are put together only within the current version
 * (the log keeps no earlier version's size), and ranges of earlier versions are counted, not
 * judged.
 */
export async function orderEvidence(
  d1: D1Database,
  bucket: R2Bucket,
  tenantId: string,
  orderNumber: string,
  now = Date.now(),
) {
  const db = drizzle(d1);
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.number, orderNumber)))
    .limit(1);
  if (!order) return null;
  const [itemRows, linkRows, eventRows, sums] = await Promise.all([
    db
      .select()
      .from(orderItems)
      .where(and(eq(orderItems.tenantId, tenantId), eq(orderItems.orderNumber, orderNumber)))
      .orderBy(asc(orderItems.position)),
    db
      .select({ link: links, file: files })
      .from(links)
      .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
      .where(and(eq(links.tenantId, tenantId), eq(links.orderNumber, orderNumber)))
      .orderBy(asc(links.fileId)),
    db
      .select()
      .from(downloadEvents)
      .where(and(eq(downloadEvents.tenantId, tenantId), eq(downloadEvents.orderNumber, orderNumber)))
      .orderBy(asc(downloadEvents.at), asc(downloadEvents.id))
      .limit(MAX_EVIDENCE_ROWS + 1),
    // Totals over every row, also when the listing is cut at MAX_EVIDENCE_ROWS.
    d1
      .prepare(
        `SELECT link_id AS linkId, COUNT(*) AS requests, SUM(counted) AS counted,
                SUM(status = 200 AND outcome = 'completed' AND bytes_sent = bytes) AS completed,
                SUM(outcome = 'completed') AS completedResponses, COALESCE(SUM(bytes_sent), 0) AS bytes,
                MIN(CASE WHEN outcome = 'completed' THEN at END) AS firstAt,
                MAX(CASE WHEN outcome = 'completed' THEN at END) AS lastAt,
                MIN(CASE WHEN bytes_sent > 0 OR outcome = 'completed' THEN at END) AS firstSentAt
         FROM download_events WHERE tenant_id = ? AND order_number = ? GROUP BY link_id`,
      )
      .bind(tenantId, orderNumber)
      .all<LinkSums>()
      .then((r) => r.results),
  ]);
  const sumsOf = new Map(sums.map((row) => [row.linkId, row]));
  const total = (pick: (row: LinkSums) => number) => sums.reduce((sum, row) => sum + pick(row), 0);
  const instants = (pick: (row: LinkSums) => number | null) => sums.map(pick).filter((at): at is number => at !== null);
  const events = eventRows.slice(0, MAX_EVIDENCE_ROWS);
  const fileOfLink = new Map(linkRows.map((r) => [r.link.id, r]));
  // When each file's stored version was uploaded (or fetched from its source URL); null when
  // no version is stored (deleted, or a pull-through file not fetched since it was registered).
  const storedIds = [...new Set(linkRows.flatMap((r) => (r.file ? [r.file.id] : [])))];
  const uploadedAt = new Map(
    await Promise.all(
      storedIds.map(async (id) => [id, (await bucket.head(`${tenantId}/${id}`))?.uploaded.getTime() ?? null] as const),
    ),
  );
  /** Whether a request of the link was answered from the version stored now. */
  const ofCurrentVersion = (linkId: string, at: number) => {
    const file = fileOfLink.get(linkId)?.file;
    const since = file ? uploadedAt.get(file.id) : null;
    return since !== null && since !== undefined && at >= since;
  };
  const statusOf = (linkId: string): FileStatus => {
    const file = fileOfLink.get(linkId)?.file;
    if (!file) return "deleted";
    const firstSentAt = sumsOf.get(linkId)?.firstSentAt ?? null;
    if (firstSentAt === null) return "unchanged";
    return ofCurrentVersion(linkId, firstSentAt) ? "unchanged" : "replaced";
  };

  const downloads = events.map((e) => {
    const current = ofCurrentVersion(e.linkId, e.at);
    // A 200 promised the whole file: its length is the size of the version it sent.
    const size = e.status === 200 ? e.bytes : current ? (fileOfLink.get(e.linkId)?.file?.size ?? null) : null;
    return {
      at: isoFromMs(e.at) as string,
      link_id: e.linkId,
      file_id: e.fileId,
      file_name: fileOfLink.get(e.linkId)?.file?.name ?? null,
      file_version: current ? ("current" as const) : ("earlier" as const),
      ip: e.ip,
      country: e.country,
      user_agent: e.userAgent,
      device: e.device,
      range: e.range,
      status: e.status,
      bytes_sent: e.bytesSent,
      file_size: size,
      outcome: e.outcome,
      counted: e.counted,
      reason: e.reason,
      error: e.error,
    };
  });

  const perFile = linkRows.map(({ link, file }) => {
    const own = events.filter((e) => e.linkId === link.id);
    const current = own.filter((e) => ofCurrentVersion(link.id, e.at));
    const size = file?.size ?? null;
    const linkSums = sumsOf.get(link.id);
    return {
      link_id: link.id,
      file_id: link.fileId,
      file_status: statusOf(link.id),
      bytes_delivered: linkSums?.bytes ?? 0,
      size,
      // A whole 200 written to the end (over every row), whatever version it sent; else whether
      // the ranges written from the current version, put together, cover every byte of it
      // (judged on the rows listed: the first MAX_EVIDENCE_ROWS).
      fully_delivered: (linkSums?.completed ?? 0) > 0 || (size !== null && coversFile(current, size)),
      earlier_version_ranges: own.filter((e) => e.status === 206 && !!e.bytesSent && !ofCurrentVersion(link.id, e.at))
        .length,
      completed_downloads: linkSums?.completed ?? 0,
      counted_downloads: linkSums?.counted ?? 0,
    };
  });
  const firstAt = instants((row) => row.firstAt);
  const lastAt = instants((row) => row.lastAt);
  return {
    order: {
      order_number: order.number,
      customer_id: order.customerId,
      status: order.status,
      purchased_at: isoFromSeconds(order.purchasedAt) as string,
    },
    items: itemRows.map((item) => ({
      id: item.id,
      product: { id: item.productId, name: item.productName, variant_name: item.variantName, sku: item.sku },
      files: linkRows
        .filter((r) => r.link.itemId === item.id)
        .map(({ link, file }) => ({
          file_id: link.fileId,
          name: file?.name ?? null,
          size: file?.size ?? null,
          mime_type: file?.mimeType ?? null,
          sha256: file?.sha256 ?? null,
          uploaded_at: isoFromMs(file ? (uploadedAt.get(file.id) ?? null) : null),
          file_status: statusOf(link.id),
          link_id: link.id,
          download_count: link.downloadCount,
          // The limit in force, as the link and order views show it (override or grant, plus
          // the downloads the store added).
          download_limit: linkFigures(link, order.status, now, !file).limit,
          revoked: link.revoked,
        })),
    })),
    downloads,
    totals: {
      requests: total((row) => row.requests),
      counted_downloads: total((row) => row.counted),
      completed_downloads: total((row) => row.completed),
      completed_responses: total((row) => row.completedResponses),
      bytes_delivered: total((row) => row.bytes),
      files_fully_delivered: perFile.filter((f) => f.fully_delivered).length,
      files: perFile.length,
      first_download_at: isoFromMs(firstAt.length > 0 ? Math.min(...firstAt) : null),
      last_download_at: isoFromMs(lastAt.length > 0 ? Math.max(...lastAt) : null),
      per_file: perFile,
    },
    truncated: eventRows.length > MAX_EVIDENCE_ROWS,
    generated_at: new Date(now).toISOString(),
  };
}

export type OrderEvidence = NonNullable<Awaited<ReturnType<typeof orderEvidence>>>;

type EventRow = typeof downloadEvents.$inferSelect;

/**
 * One link's figures over all its rows of the order. `completed` is a whole file written to
 * the end: a 200 whose every promised byte was sent.
 */
interface LinkSums {
  linkId: string;
  requests: number;
  counted: number;
  completed: number;
  completedResponses: number;
  bytes: number;
  firstAt: number | null;
  lastAt: number | null;
  /** The first request that wrote bytes (or a whole empty file). */
  firstSentAt: number | null;
}

/**
 * True when the byte ranges written to the client (a 200 from byte 0; a 206 from its
 * Range header's start) together cover [0, size). Counts only bytes the log says were
 * written (`bytes_sent`), so an aborted transfer covers only what it delivered.
 */
export function coversFile(events: readonly EventRow[], size: number): boolean {
  if (size === 0) return events.some((e) => e.status === 200 && e.outcome === "completed");
  const spans: [number, number][] = [];
  for (const e of events) {
    if (!e.bytesSent || (e.status !== 200 && e.status !== 206)) continue;
    const start = e.status === 200 ? 0 : rangeStart(e.range, size);
    if (start !== null) spans.push([start, start + e.bytesSent]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let reached = 0;
  for (const [start, end] of spans) {
    if (start > reached) return false;
    reached = Math.max(reached, end);
    if (reached >= size) return true;
  }
  return reached >= size;
}

/** The first byte of a single-range `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`). */
function rangeStart(range: string | null, size: number): number | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range?.trim() ?? "");
  if (!match) return null;
  if (match[1] !== "") return Number(match[1]);
  if (match[2] !== "") return Math.max(0, size - Number(match[2]));
  return null;
}
