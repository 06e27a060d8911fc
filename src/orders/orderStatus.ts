import type { OrderRow } from "../listings/orderRows.ts";

/** An order's status as the issuer API and listings show it (docs/CONTRACT.md §8, §9). */
export type ShownOrderStatus = "pending" | "complete" | "canceled" | "held";

/**
 * A hold is kept beside the stored status, not in place of it, so that releasing the
 * order restores exactly what it was (still unpaid, or paid). A canceled order is
 * canceled whatever hold it had.
 */
export function shownOrderStatus(order: Pick<OrderRow, "status" | "heldAt">): ShownOrderStatus {
  if (order.status === "canceled") return "canceled";
  return order.heldAt === null ? order.status : "held";
}
