import { and, eq, exists, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { links, orders } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { nowSeconds } from "../utils/time.ts";
import { findOrder } from "../listings/orderRows.ts";
import { recheckOrderLater } from "./orderChanges.ts";
import { tellEachLink } from "./tellEachLink.ts";

/**
 * Holds an order for review (`reason` for the store's own records) or, with `null`,
 * releases it. D1 first (the order row, and the copy on its links that listings read), so a
 * link object that reads its order on first use sees the hold; then every link object of
 * the order is told, so a link already in use refuses (or serves again) from its very next
 * request, like a cancel revokes. The hold sits beside the order's status, so a release
 * restores exactly the order that was held: paid or still unpaid, with its counts untouched.
 * Both directions are idempotent: a store that retries after a failed call (a link object
 * that could not be reached) gets every link told again, and so does the order-change
 * queue a little later without it (orderChanges.ts).
 */
export async function setOrderHold(
  env: Env,
  tenantId: string,
  orderNumber: string,
  hold: { reason: string } | null,
): Promise<void> {
  const db = drizzle(env.DB);
  const order = await findOrder(db, tenantId, orderNumber);
  if (!order) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  if (order.status === "canceled") {
    // Neither way: a hold would change nothing for links revoked already, and a release
    // would erase the hold a canceled order keeps as the record of its review.
    const message = hold
      ? "A canceled order cannot be held: its links are revoked already."
      : order.heldAt !== null
        ? "A canceled order cannot be released: its links stay revoked, and its hold is kept as the record of the review."
        : "A canceled order cannot be released: it is not held, and its links stay revoked.";
    throw new HttpError("bad_request", message, {}, [{ path: "status", message: "canceled" }]);
  }
  const thisOrder = and(eq(orders.tenantId, tenantId), eq(orders.number, orderNumber));
  // Both writes hold only while the order is not canceled, so a cancel that lands between
  // the read above and this batch leaves the order, its hold and its links as it left them.
  const notCanceled = and(thisOrder, ne(orders.status, "canceled"));
  const itsLinks = and(eq(links.tenantId, tenantId), eq(links.orderNumber, orderNumber));
  const [, linkRows] = await db.batch([
    db
      .update(orders)
      // A repeated hold keeps when the review began and takes the newer reason.
      .set(
        hold ? { heldAt: order.heldAt ?? nowSeconds(), holdReason: hold.reason } : { heldAt: null, holdReason: null },
      )
      .where(notCanceled),
    db
      .update(links)
      .set({ held: hold !== null })
      .where(and(itsLinks, exists(db.select({ number: orders.number }).from(orders).where(notCanceled))))
      .returning({ id: links.id }),
  ]);
  // Should the request die on the way through the links, the order-change queue tells them again.
  if (linkRows.length > 0) await recheckOrderLater(env, tenantId, orderNumber);
  await tellEachLink(
    env,
    tenantId,
    linkRows.map((row) => row.id),
    (link) => link.setHeld(hold !== null),
  );
}
