import { z } from "zod";
import { singleLine } from "../../../http/textInput.ts";

/** `/customers/:id`: the customer id the store gave its orders (`customer_id`), in the form orders take it. */
export const customerParams = z.strictObject({
  id: singleLine(1, 256).meta({ description: "The customer id of the store's orders" }),
});
