import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import type { Env } from "../../../env.ts";
import type { Endpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { linkBaseUrl } from "../../../links/mintDownloadUrl.ts";
import { orderNumberSchema, orderViewSchema } from "../../../orders/orderSchemas.ts";
import { findOrder, loadOrderLinks, type OrderLinkRow, type OrderRow } from "../../../listings/orderRows.ts";
import { orderViews } from "../../../listings/orderViews.ts";
import type { Tenant } from "../../../tenants/loadTenant.ts";

/**
 * `/orders/:number`: read with the looser rule of orderNumberSchema, so that orders stored
 * before today's rule for new numbers can still be found.
 */
export const orderParams = z.strictObject({
  number: orderNumberSchema.meta({ description: "Order number, as it was created" }),
});

/**
 * What every action on one order (complete, cancel, …) declares besides its name: the
 * order in the path, no body, and the order as it now is for an answer.
 */
export const orderAction = {
  params: orderParams,
  body: "none",
  responses: { 200: { description: "The order", schema: orderViewSchema } },
  errors: ["not_found"],
} satisfies Partial<Endpoint>;

/** The order's row, or 404. */
export async function loadOrder(env: Env, tenantId: string, orderNumber: string): Promise<OrderRow> {
  const order = await findOrder(drizzle(env.DB), tenantId, orderNumber);
  if (!order) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  return order;
}

/** The order's view (orderViewSchema) from its rows, with freshly signed URLs; 404 when there are none. */
export async function orderView(env: Env, tenant: Tenant, request: Request, rows: OrderLinkRow[], orderNumber: string) {
  const [view] = await orderViews(tenant, await linkBaseUrl(env, tenant, request), rows);
  if (!view) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  return view;
}

/** Answers with the order as it now is. */
export async function orderResponse(
  env: Env,
  tenant: Tenant,
  request: Request,
  orderNumber: string,
  status = 200,
): Promise<Response> {
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber });
  return json(await orderView(env, tenant, request, rows, orderNumber), status);
}
