import { z } from "zod";

/** `/customers/:id`: the customer id the store gave its orders (`customer_id`). */
export const customerParams = z.strictObject({
  id: z.string().min(1).max(256).meta({ description: "The customer id of the store's orders" }),
});
