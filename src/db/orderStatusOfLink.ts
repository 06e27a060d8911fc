import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { links, orders } from "./schema.ts";

export type OrderStatus = "pending" | "complete" | "canceled";

/**
 * The status of the order a link belongs to and whether it is held for review, or null for a link D1 does not know (a
 * store that signs its own links). Read by the link's Durable Object on its first use and,
 * while the order is pending, on each request (issue 13 item 5; docs/PERFORMANCE.md): the
 * order calls write the status to D1 only, so that no order call creates a link's object.
 * Two primary-key lookups.
 */
export async function orderStatusOfLink(
  d1: D1Database,
  tenantId: string,
  linkId: string,
): Promise<{ status: OrderStatus; held: boolean } | null> {
  const [row] = await drizzle(d1)
    .select({ status: orders.status, heldAt: orders.heldAt })
    .from(links)
    .innerJoin(orders, and(eq(orders.tenantId, links.tenantId), eq(orders.number, links.orderNumber)))
    .where(and(eq(links.tenantId, tenantId), eq(links.id, linkId)))
    .limit(1);
  return row ? { status: row.status, held: row.heldAt !== null } : null;
}
