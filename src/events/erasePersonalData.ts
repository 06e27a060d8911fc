import { inChunks } from "../db/inChunks.ts";
import type { Env } from "../env.ts";
import { linkStub } from "../links/linkStub.ts";
import type { LinkErasure } from "../links/linkTypes.ts";
import { randomHex } from "../utils/encoding.ts";
import { CUSTOMER_DEAD_LETTERS } from "../webhooks/customerDeadLetters.ts";

/** Log rows changed per statement: short transactions, so downloads' log writes are never held up for long. */
const ROWS_PER_STATEMENT = 1000;
/** Link objects erased at once: a customer's links are reached in bounded waves, not all together. */
const LINK_OBJECTS_AT_ONCE = 25;

export interface Erasure {
  /** What the customer id was replaced with in orders and links (`erased-` + 16 random hex digits). */
  pseudonym: string;
  logRows: number;
  orders: number;
  links: number;
  /** Webhook dead letters about the customer's links and orders, cleared the same way. */
  deadLetters: number;
  /** What the customer's links' Durable Objects erased, summed over the links. */
  linkObjects: { devices: number; storedTokens: number; pendingEvents: number };
}

/**
 * Erases one customer's personal data (GDPR art. 17) while keeping what the store must keep
 * and what makes the gateway work:
 * - first each of the customer's links' Durable Objects (DownloadLink.erasePersonalData):
 *   device ids replaced by random ones, the remembered token's `sub` by the pseudonym, the
 *   networks and countries sharing detection saw forgotten, and the events still waiting
 *   for D1 cleared (in D1 too, by the link's alarm);
 * - then the download log rows of the customer's links and orders lose the address,
 *   User-Agent, country and device (set to null); their time, status, bytes, outcome,
 *   counted and reason stay, so counts, suppressed-request figures and the store's
 *   accounting still add up;
 * - webhook dead letters about those links and orders lose the same fields (their
 *   order.completed names the pseudonym), so a replay sends nothing personal;
 * - last, orders and links get a random pseudonym instead of the customer id (never a hash
 *   of it: customer ids are often e-mail addresses or sequence numbers, which a hash would
 *   not hide); their counts, limits, expiry, restrictions and revocation are untouched.
 * In that order, so a failure part-way leaves the customer id in place and a retry finds
 * every link again. Null when D1 holds nothing of the customer.
 */
export async function erasePersonalData(env: Env, tenantId: string, customerId: string): Promise<Erasure | null> {
  const d1 = env.DB;
  const held = await d1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM orders WHERE tenant_id = ?1 AND customer_id = ?2) AS orders,
              (SELECT COUNT(*) FROM links WHERE tenant_id = ?1 AND customer_id = ?2) AS links`,
    )
    .bind(tenantId, customerId)
    .first<{ orders: number; links: number }>();
  if (!held || (held.orders === 0 && held.links === 0)) return null;
  const pseudonym = `erased-${randomHex(8)}`;

  const { results: linkIds } = await d1
    .prepare(
      `SELECT id FROM links WHERE tenant_id = ?1
         AND (customer_id = ?2 OR order_number IN (SELECT number FROM orders WHERE tenant_id = ?1 AND customer_id = ?2))`,
    )
    .bind(tenantId, customerId)
    .all<{ id: string }>();
  const erasedObjects = await inChunks(
    linkIds,
    (chunk) => Promise.all(chunk.map(({ id }) => linkStub(env, tenantId, id).erasePersonalData(pseudonym))),
    LINK_OBJECTS_AT_ONCE,
  );
  const linkObjects = sumErasures(erasedObjects);

  // The log (found through the links and orders that still name the customer), in
  // bounded statements; a retry after a failure finds what is left.
  const scrub = d1.prepare(
    `UPDATE download_events SET ip = NULL, user_agent = NULL, country = NULL, device = NULL
     WHERE id IN (
       SELECT id FROM download_events
       WHERE tenant_id = ?1
         AND (link_id IN (SELECT id FROM links WHERE tenant_id = ?1 AND customer_id = ?2)
              OR order_number IN (SELECT number FROM orders WHERE tenant_id = ?1 AND customer_id = ?2))
         AND (ip IS NOT NULL OR user_agent IS NOT NULL OR country IS NOT NULL OR device IS NOT NULL)
       LIMIT ${ROWS_PER_STATEMENT})`,
  );
  let logRows = 0;
  for (;;) {
    const { meta } = await scrub.bind(tenantId, customerId).run();
    logRows += meta.changes;
    if (meta.changes < ROWS_PER_STATEMENT) break;
  }

  // Webhook deliveries that failed for good keep their body for a replay: the same fields
  // leave it (`json_replace` only touches keys the payload has), and an order.completed
  // names the pseudonym. Events still in the webhook queue are delivered as they are.
  const { meta: deadLetterMeta } = await d1
    .prepare(
      `UPDATE webhook_dead_letters
       SET body = json_replace(body, '$.data.ip', NULL, '$.data.country', NULL, '$.data.user_agent', NULL,
         '$.data.customer_id', CASE WHEN json_extract(body, '$.data.customer_id') = ?2 THEN ?3
                                    ELSE json_extract(body, '$.data.customer_id') END)
       WHERE ${CUSTOMER_DEAD_LETTERS}`,
    )
    .bind(tenantId, customerId, pseudonym)
    .run();

  // Then the id itself, in orders and links together.
  const [orderUpdate, linkUpdate] = await d1.batch([
    d1
      .prepare("UPDATE orders SET customer_id = ?3 WHERE tenant_id = ?1 AND customer_id = ?2")
      .bind(tenantId, customerId, pseudonym),
    d1
      .prepare("UPDATE links SET customer_id = ?3 WHERE tenant_id = ?1 AND customer_id = ?2")
      .bind(tenantId, customerId, pseudonym),
  ]);
  return {
    pseudonym,
    logRows,
    orders: orderUpdate?.meta.changes ?? 0,
    links: linkUpdate?.meta.changes ?? 0,
    deadLetters: deadLetterMeta.changes,
    linkObjects,
  };
}

function sumErasures(erasures: readonly LinkErasure[]): Erasure["linkObjects"] {
  return {
    devices: erasures.reduce((sum, e) => sum + e.devices, 0),
    storedTokens: erasures.filter((e) => e.claims).length,
    pendingEvents: erasures.reduce((sum, e) => sum + e.pendingEvents, 0),
  };
}
