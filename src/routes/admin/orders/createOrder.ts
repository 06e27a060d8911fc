import { and, eq, inArray } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { inChunks } from "../../../db/inChunks.ts";
import { files, links, orderItems, orders } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { MAX_JSON_BYTES } from "../../../http/readJson.ts";
import { assertCanSign } from "../../../links/mintDownloadUrl.ts";
import { findOrder, loadOrderLinks } from "../../../listings/orderRows.ts";
import { createOrderSchema, orderViewSchema, type CreateOrder } from "../../../orders/orderSchemas.ts";
import { expiryOf, sameOrder, listColumn } from "../../../orders/sameOrder.ts";
import type { Tenant } from "../../../tenants/loadTenant.ts";
import { randomToken } from "../../../utils/encoding.ts";
import { nowSeconds } from "../../../utils/time.ts";
import { emitOrderCompleted } from "../../../webhooks/orderWebhooks.ts";
import { orderResponse, orderView } from "./orderRecord.ts";

/**
 * The order, its items and one link per item × file, written in one D1 batch (all or
 * nothing). Idempotent on the order number: a repeat of the same order answers it (200)
 * with fresh URLs and changes nothing; another order under a taken number is 409. The
 * primary key (tenant, number) decides between concurrent requests: the batch is one
 * transaction, so exactly one inserts and every other fails whole and then compares
 * itself with the winner's rows, which are all visible once its order row is.
 */
export const createOrder = defineEndpoint({
  method: "post",
  path: "/orders",
  access: "admin",
  operationId: "createOrder",
  tags: ["Issuer: orders"],
  summary: "Create an order with its items and one signed link per item × file",
  description:
    "All or nothing. Idempotent on order_number: a repeat with the same customer_id and items (products, " +
    "file ids, grants) answers 200 with the existing order and fresh URLs; the same number with a different " +
    "customer or items is 409 conflict and reveals nothing of the existing order. This holds under " +
    "concurrency: of simultaneous requests exactly one creates the order. Unknown or misplaced fields are " +
    "400 bad_request naming them (e.g. download_limit belongs in items[].grant). " +
    `Bodies are limited to ${MAX_JSON_BYTES} bytes.`,
  body: createOrderSchema,
  responses: {
    200: {
      description: "The order existed already with the same customer and items; nothing changed",
      schema: orderViewSchema,
    },
    201: { description: "Created", schema: orderViewSchema },
  },
  errors: ["conflict"],
  async handle({ request, env, tenant, body }) {
    const db = drizzle(env.DB);
    if (await findOrder(db, tenant.id, body.order_number)) return repeatedOrder(env, tenant, request, body);
    // The answer carries signed URLs: refuse before writing rather than store an order and answer an error.
    assertCanSign(tenant);
    await assertFilesKnown(db, tenant.id, body);
    try {
      await db.batch(orderStatements(db, tenant.id, body));
    } catch (error) {
      // A concurrent request with the same order number won the insert (the batch is one
      // transaction, so nothing of ours was kept): answer as any repeat gets answered.
      if (await findOrder(db, tenant.id, body.order_number).catch(() => null))
        return repeatedOrder(env, tenant, request, body);
      throw error;
    }
    if (body.status === "complete") await emitOrderCompleted(env, tenant.id, body.order_number);
    return orderResponse(env, tenant, request, body.order_number, 201);
  },
});

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
  return json(await orderView(env, tenant, request, rows, body.order_number), 200);
}

/** Every file id of the order must name a file of the tenant: 400 naming each unknown one, before anything is written. */
async function assertFilesKnown(db: DrizzleD1Database, tenantId: string, body: CreateOrder): Promise<void> {
  const fileIds = [...new Set(body.items.flatMap((i) => i.file_ids))];
  const known = await inChunks(fileIds, (chunk) =>
    db
      .select({ id: files.id })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), inArray(files.id, chunk))),
  );
  const missing = fileIds.filter((id) => !known.some((k) => k.id === id));
  if (missing.length === 0) return;
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

/**
 * The inserts of a new order: its row, its items, one link per item × file. Unpaid:
 * "pending" lives in the order row only. No link object is touched, so each is created by
 * its customer's first request, near them (issue 13 item 5); the object reads the order's
 * status from D1 on that first request and refuses while it is pending.
 */
function orderStatements(db: DrizzleD1Database, tenantId: string, body: CreateOrder) {
  const purchasedAt = body.purchased_at ? Math.floor(Date.parse(body.purchased_at) / 1000) : nowSeconds();
  const itemRows = body.items.map((item, position) => ({ item, row: { id: `i_${randomToken(12)}`, position } }));
  const linkRows = itemRows.flatMap(({ item, row }) =>
    item.file_ids.map((fileId) => ({
      tenantId,
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
      allowedCountries: listColumn(item.grant.allowed_countries),
      blockedCountries: listColumn(item.grant.blocked_countries),
    })),
  );
  return [
    db.insert(orders).values({
      tenantId,
      number: body.order_number,
      customerId: body.customer_id,
      status: body.status,
      purchasedAt,
      accessKey: randomToken(24),
    }),
    ...itemRows.map(({ item, row }) =>
      db.insert(orderItems).values({
        id: row.id,
        tenantId,
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
  ] as const;
}
