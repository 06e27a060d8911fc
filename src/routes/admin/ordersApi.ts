import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { inChunks } from "../../db/inChunks.ts";
import { files, links, orderItems, orders } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { readJson } from "../../http/readJson.ts";
import { linkStub } from "../../links/linkStub.ts";
import { assertCanSign, linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { createOrderSchema, type CreateOrder } from "../../orders/orderSchemas.ts";
import { findOrder, loadOrderLinks } from "../../orders/orderRows.ts";
import { expiryOf, sameOrder } from "../../orders/sameOrder.ts";
import { orderViews } from "../../orders/orderViews.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { randomToken } from "../../utils/encoding.ts";
import { nowSeconds } from "../../utils/time.ts";

async function orderResponse(
  env: Env,
  tenant: Tenant,
  request: Request,
  orderNumber: string,
  status = 200,
): Promise<Response> {
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber });
  const [view] = await orderViews(tenant, linkBaseUrl(tenant, request), rows);
  if (!view) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  return json(view, status);
}

/**
 * The answer to a create request whose order number is taken: the existing order (200,
 * fresh URLs, nothing changed) when the request describes that very order, else 409 —
 * decided on the stored rows, and answering nothing of them: a store that reuses a number
 * for another customer must not hand that customer the first one's download URLs.
 */
async function repeatedOrder(env: Env, tenant: Tenant, request: Request, body: CreateOrder): Promise<Response> {
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber: body.order_number });
  if (!sameOrder(body, rows)) {
    throw new HttpError(
      "conflict",
      "This order number is already used by an order with a different customer or items.",
      {},
      [{ path: "order_number", message: "already used by a different order" }],
    );
  }
  const [view] = await orderViews(tenant, linkBaseUrl(tenant, request), rows);
  if (!view) throw new HttpError("not_found", `There is no order ${JSON.stringify(body.order_number)}.`);
  return json(view, 200);
}

/**
 * `POST /admin/v1/orders`: the order, its items and one link per item × file, written in
 * one D1 batch (all or nothing). Idempotent on the order number: a repeat of the same order
 * answers it (200) with fresh URLs and changes nothing; another order under a taken number
 * is 409. The primary key (tenant, number) decides between concurrent requests: the batch
 * is one transaction, so exactly one inserts and every other fails whole and then compares
 * itself with the winner's rows, which are all visible once its order row is.
 */
export async function createOrder(request: Request, env: Env, tenant: Tenant): Promise<Response> {
  const body = await readJson(request, createOrderSchema);
  const db = drizzle(env.DB);
  if (await findOrder(db, tenant.id, body.order_number)) return repeatedOrder(env, tenant, request, body);
  // The answer carries signed URLs: refuse before writing rather than store an order and answer an error.
  assertCanSign(tenant);

  const fileIds = [...new Set(body.items.flatMap((i) => i.file_ids))];
  const known = await inChunks(fileIds, (chunk) =>
    db
      .select({ id: files.id })
      .from(files)
      .where(and(eq(files.tenantId, tenant.id), inArray(files.id, chunk))),
  );
  const missing = fileIds.filter((id) => !known.some((k) => k.id === id));
  if (missing.length > 0) {
    throw new HttpError(
      "bad_request",
      "Some file ids are unknown; upload or register them first.",
      {},
      body.items.flatMap((item, i) =>
        item.file_ids.flatMap((id, j) =>
          missing.includes(id) ? [{ path: `items.${i}.file_ids.${j}`, message: `unknown file ${id}` }] : [],
        ),
      ),
    );
  }

  const purchasedAt = body.purchased_at ? Math.floor(Date.parse(body.purchased_at) / 1000) : nowSeconds();
  const itemRows = body.items.map((item, position) => ({ item, row: { id: `i_${randomToken(12)}`, position } }));
  const linkRows = itemRows.flatMap(({ item, row }) =>
    item.file_ids.map((fileId) => ({
      tenantId: tenant.id,
      id: `l_${randomToken(15)}`,
      orderNumber: body.order_number,
      itemId: row.id,
      fileId,
      customerId: body.customer_id,
      downloadLimit: item.grant.download_limit ?? null,
      expiresAt: expiryOf(item.grant, purchasedAt),
      ipRestriction: item.grant.ip_restriction ? JSON.stringify(item.grant.ip_restriction) : null,
      deviceLimit: item.grant.device_limit ?? null,
      requireLogin: item.grant.require_login,
    })),
  );

  // Unpaid: "pending" lives in the order row only. No link object is touched, so each is
  // created by its customer's first request, near them (issue 13 item 5); the object reads
  // the order's status from D1 on that first request and refuses while it is pending.

  const written = db.batch([
    db.insert(orders).values({
      tenantId: tenant.id,
      number: body.order_number,
      customerId: body.customer_id,
      status: body.status,
      purchasedAt,
      accessKey: randomToken(24),
    }),
    ...itemRows.map(({ item, row }) =>
      db.insert(orderItems).values({
        id: row.id,
        tenantId: tenant.id,
        orderNumber: body.order_number,
        position: row.position,
        productId: item.product.id,
        productName: item.product.name,
        productSlug: item.product.slug ?? null,
        variantName: item.product.variant_name ?? null,
        sku: item.product.sku ?? null,
        vendor: item.product.vendor ?? null,
        tags: JSON.stringify(item.product.tags),
      }),
    ),
    ...linkRows.map((l) => db.insert(links).values(l)),
  ]);
  try {
    await written;
  } catch (error) {
    // A concurrent request with the same order number won the insert (the batch is one
    // transaction, so nothing of ours was kept): answer as any repeat gets answered.
    if (await findOrder(db, tenant.id, body.order_number).catch(() => null))
      return repeatedOrder(env, tenant, request, body);
    throw error;
  }
  return orderResponse(env, tenant, request, body.order_number, 201);
}

export function getOrder(request: Request, env: Env, tenant: Tenant, orderNumber: string): Promise<Response> {
  return orderResponse(env, tenant, request, orderNumber);
}

async function orderLinkIds(env: Env, tenantId: string, orderNumber: string): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .select({ id: links.id })
    .from(links)
    .where(and(eq(links.tenantId, tenantId), eq(links.orderNumber, orderNumber)));
  return rows.map((r) => r.id);
}

/** `POST /admin/v1/orders/:n/complete`: pending → complete; the links open. */
export async function completeOrder(
  request: Request,
  env: Env,
  tenant: Tenant,
  orderNumber: string,
): Promise<Response> {
  const db = drizzle(env.DB);
  const order = await findOrder(db, tenant.id, orderNumber);
  if (!order) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  if (order.status === "canceled")
    throw new HttpError("bad_request", "A canceled order cannot be completed.", {}, [
      { path: "status", message: "canceled" },
    ]);
  assertCanSign(tenant);
  // A D1 write only: a link object of a pending order reads the status on each request
  // until it says complete, so no object needs telling (and none is created here).
  if (order.status === "pending") {
    await db
      .update(orders)
      .set({ status: "complete" })
      .where(and(eq(orders.tenantId, tenant.id), eq(orders.number, orderNumber), eq(orders.status, "pending")));
  }
  return orderResponse(env, tenant, request, orderNumber);
}

/**
 * `POST /admin/v1/orders/:n/cancel`: every link of the order is revoked at once. The links
 * of a paid order may have objects that no longer read D1, so each is told. Those of a
 * still pending order are not: any object of theirs reads the order's status on each
 * request while it is pending and turns itself revoked on seeing `canceled` (so cancelling
 * an unpaid order creates no object). Should the order complete between the read and the
 * write, the conditional update changes nothing and the paid order's path runs.
 */
export async function cancelOrder(request: Request, env: Env, tenant: Tenant, orderNumber: string): Promise<Response> {
  const db = drizzle(env.DB);
  const order = await findOrder(db, tenant.id, orderNumber);
  if (!order) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  const thisOrder = and(eq(orders.tenantId, tenant.id), eq(orders.number, orderNumber));
  const revokeInD1 = db
    .update(links)
    .set({ revoked: true })
    .where(and(eq(links.tenantId, tenant.id), eq(links.orderNumber, orderNumber)));
  if (order.status === "pending") {
    const [canceled] = await db.batch([
      db
        .update(orders)
        .set({ status: "canceled" })
        .where(and(thisOrder, eq(orders.status, "pending")))
        .returning({ number: orders.number }),
      revokeInD1,
    ]);
    if (canceled.length > 0) return orderResponse(env, tenant, request, orderNumber);
  }
  const ids = await orderLinkIds(env, tenant.id, orderNumber);
  await Promise.all(ids.map((id) => linkStub(env, tenant.id, id).setRevoked(true)));
  await db.batch([db.update(orders).set({ status: "canceled" }).where(thisOrder), revokeInD1]);
  return orderResponse(env, tenant, request, orderNumber);
}
