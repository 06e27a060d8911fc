import { and, asc, desc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { files, links, orderItems, orders } from "../db/schema.ts";
import { linkFigures, type LinkFigures } from "../policy/linkFigures.ts";

export type OrderRow = typeof orders.$inferSelect;
export type ItemRow = typeof orderItems.$inferSelect;
export type LinkRow = typeof links.$inferSelect;

export interface OrderLinkRow {
  order: OrderRow;
  item: ItemRow;
  link: LinkRow;
  /** Null when the file row was deleted after the order was made. */
  file: { name: string; size: number | null } | null;
}

/** A listed link's figures: its row, its order's status, and whether its file is still there. */
export function rowFigures(row: OrderLinkRow, nowMs: number): LinkFigures {
  return linkFigures(row.link, row.order.status, nowMs, row.file === null);
}

export type OrderFilter = { orderNumber: string } | { customerId: string } | { accessKey: string };

/**
 * Every link of the matching orders with its order, item and file, in one query
 * (indexes: orders_customer, links_order, order_items_order). Newest orders first.
 */
export function loadOrderLinks(db: DrizzleD1Database, tenantId: string, filter: OrderFilter): Promise<OrderLinkRow[]> {
  const match =
    "orderNumber" in filter
      ? eq(orders.number, filter.orderNumber)
      : "customerId" in filter
        ? eq(orders.customerId, filter.customerId)
        : eq(orders.accessKey, filter.accessKey);
  return db
    .select({
      order: orders,
      item: orderItems,
      link: links,
      file: { name: files.name, size: files.size },
    })
    .from(orders)
    .innerJoin(orderItems, and(eq(orderItems.tenantId, orders.tenantId), eq(orderItems.orderNumber, orders.number)))
    .innerJoin(links, and(eq(links.tenantId, orders.tenantId), eq(links.itemId, orderItems.id)))
    .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
    .where(and(eq(orders.tenantId, tenantId), match))
    .orderBy(desc(orders.purchasedAt), asc(orders.number), asc(orderItems.position), asc(links.fileId));
}

export async function findOrder(
  db: DrizzleD1Database,
  tenantId: string,
  orderNumber: string,
): Promise<OrderRow | null> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.number, orderNumber)))
    .limit(1);
  return row ?? null;
}
