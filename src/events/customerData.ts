import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files, links, orderItems, orders } from "../db/schema.ts";
import { isoFromMs, isoFromSeconds } from "../utils/time.ts";
import { CUSTOMER_DEAD_LETTERS } from "../webhooks/customerDeadLetters.ts";
import { loadEventPage, type EventCursor, type EventPage } from "./eventQuery.ts";
import { eventRowView } from "./eventRow.ts";

const LOG_PAGE_ROWS = 1000;

/** The customer's orders (with items) and links, as D1 holds them; null when it holds none. */
async function customerRecords(d1: D1Database, tenantId: string, customerId: string) {
  const db = drizzle(d1);
  const [orderRows, itemRows, linkRows] = await Promise.all([
    db
      .select()
      .from(orders)
      .where(and(eq(orders.tenantId, tenantId), eq(orders.customerId, customerId)))
      .orderBy(asc(orders.purchasedAt), asc(orders.number)),
    db
      .select({ item: orderItems })
      .from(orderItems)
      .innerJoin(orders, and(eq(orders.tenantId, orderItems.tenantId), eq(orders.number, orderItems.orderNumber)))
      .where(and(eq(orders.tenantId, tenantId), eq(orders.customerId, customerId)))
      .orderBy(asc(orderItems.orderNumber), asc(orderItems.position)),
    db
      .select({ link: links, fileName: files.name })
      .from(links)
      .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
      .where(and(eq(links.tenantId, tenantId), eq(links.customerId, customerId)))
      .orderBy(asc(links.orderNumber), asc(links.id)),
  ]);
  if (orderRows.length === 0 && linkRows.length === 0) return null;
  // Read after the orders and links: its selection goes through them.
  const { results: letters } = await d1
    .prepare(
      `SELECT id, webhook_id, type, body, failed_at FROM webhook_dead_letters WHERE ${CUSTOMER_DEAD_LETTERS} ORDER BY failed_at, id`,
    )
    .bind(tenantId, customerId)
    .all<{ id: string; webhook_id: string; type: string; body: string; failed_at: number }>();
  return {
    orders: orderRows.map((o) => ({
      order_number: o.number,
      status: o.status,
      purchased_at: isoFromSeconds(o.purchasedAt),
      items: itemRows
        .filter(({ item }) => item.orderNumber === o.number)
        .map(({ item }) => ({
          id: item.id,
          product_id: item.productId,
          product_name: item.productName,
          variant_name: item.variantName,
          sku: item.sku,
        })),
    })),
    links: linkRows.map(({ link, fileName }) => ({
      id: link.id,
      order_number: link.orderNumber,
      file_id: link.fileId,
      file_name: fileName,
      download_count: link.downloadCount,
      download_limit: link.limitOverride ?? link.downloadLimit,
      extra_downloads: link.extraDownloads,
      expires_at: isoFromSeconds(link.expiresAtOverride ?? link.expiresAt),
      revoked: link.revoked,
      ip_restriction: link.ipRestriction ? (JSON.parse(link.ipRestriction) as string[]) : null,
      device_limit: link.deviceLimit,
      last_download_at: isoFromMs(link.lastDownloadAt),
    })),
    // Webhook deliveries that failed for good still hold what they were about to send.
    webhook_dead_letters: letters.map((letter) => ({
      id: letter.id,
      webhook_id: letter.webhook_id,
      type: letter.type,
      failed_at: isoFromMs(letter.failed_at),
      data: (JSON.parse(letter.body) as { data?: unknown }).data ?? null,
    })),
  };
}

/**
 * Everything D1 holds about one customer (GDPR art. 15 / 20) as one JSON document:
 * `{customer_id, generated_at, orders, links, webhook_dead_letters, download_log: [...]}`. The log part is
 * streamed from D1 a page at a time (a customer may have many rows), so the document is
 * complete however long, and memory stays at one page. Null when D1 holds nothing.
 */
export async function customerDataStream(
  d1: D1Database,
  tenantId: string,
  customerId: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const records = await customerRecords(d1, tenantId, customerId);
  if (!records) return null;
  const page = (after: EventCursor | null) =>
    loadEventPage(d1, tenantId, { customerId }, "oldest", after, LOG_PAGE_ROWS);
  const head = JSON.stringify({ customer_id: customerId, generated_at: new Date().toISOString(), ...records });
  // The document up to the log's opening bracket: the records object without its closing brace.
  const opening = `${head.slice(0, -1)},"download_log":[`;
  let current: EventPage | null = await page(null);
  let started = false;
  let first = true;
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(opening));
          return;
        }
        if (current === null) {
          controller.close();
          return;
        }
        let text = "";
        for (const row of current.rows) {
          text += `${first ? "" : ","}${JSON.stringify(eventRowView(row))}`;
          first = false;
        }
        current = current.next ? await page(current.next) : null;
        if (current === null) text += "]}";
        controller.enqueue(encoder.encode(text));
      },
    },
    { highWaterMark: 0 },
  );
}
