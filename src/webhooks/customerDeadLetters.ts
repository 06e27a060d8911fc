/**
 * The webhook dead letters about one customer (`?1` the tenant, `?2` the customer id): an
 * order.completed naming them, or any event of one of their links or orders. Shared by the
 * data export and the erasure (src/events/), so both reach exactly the same letters.
 */
export const CUSTOMER_DEAD_LETTERS = `tenant_id = ?1 AND json_valid(body)
  AND (json_extract(body, '$.data.customer_id') = ?2
       OR json_extract(body, '$.data.link_id') IN (SELECT id FROM links WHERE tenant_id = ?1 AND customer_id = ?2)
       OR json_extract(body, '$.data.order_number') IN
            (SELECT number FROM orders WHERE tenant_id = ?1 AND customer_id = ?2))`;
