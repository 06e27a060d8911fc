import { and, eq, exists, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { mirrorLinkState } from "../db/mirrorLinkState.ts";
import { links, orders } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { linkStub } from "../links/linkStub.ts";
import type { LinkSnapshot } from "../links/linkTypes.ts";
import { nowSeconds } from "../utils/time.ts";
import { findOrder } from "../listings/orderRows.ts";

/** Link objects told at once (an order has at most 500 links, MAX_LINKS_PER_ORDER). */
const TELL_AT_ONCE = 50;

/**
 * Tells each of an order's link objects a change (`tell`), TELL_AT_ONCE at a time, and
 * writes each object's new state to D1's listing copy with its version: the answer then
 * shows each link as its object holds it, and a copy of an older state still on its way
 * (a download's log batch) can no longer undo the change.
 */
export async function tellEachLink(
  env: Env,
  tenantId: string,
  ids: readonly string[],
  tell: (link: ReturnType<typeof linkStub>) => Promise<LinkSnapshot>,
): Promise<void> {
  for (let i = 0; i < ids.length; i += TELL_AT_ONCE) {
    const chunk = ids.slice(i, i + TELL_AT_ONCE);
    const states = await Promise.all(chunk.map((id) => tell(linkStub(env, tenantId, id))));
    const mirrors = states.map((state, j) => mirrorLinkState(env.DB, { tenantId, linkId: chunk[j] as string, state }));
    if (mirrors.length > 0) await env.DB.batch(mirrors);
  }
}

/**
 * Holds an order for review (`reason` for the store's own records) or, with `null`,
 * releases it. D1 first (the order row, and the copy on its links that listings read), so a
 * link object that reads its order on first use sees the hold; then every link object of
 * the order is told, so a link already in use refuses (or serves again) from its very next
 * request, like a cancel revokes. The hold sits beside the order's status, so a release
 * restores exactly the order that was held: paid or still unpaid, with its counts untouched.
 * Both directions are idempotent: a store that retries after a failed call (a link object
 * that could not be reached) gets every link told again.
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
  await tellEachLink(
    env,
    tenantId,
    linkRows.map((row) => row.id),
    (link) => link.setHeld(hold !== null),
  );
}
