import { drizzle } from "drizzle-orm/d1";
import { customerId } from "../../auth/customerIdentity.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { linkStub } from "../../links/linkStub.ts";
import { loadOrderLinks, type OrderLinkRow } from "../../listings/orderRows.ts";
import { tenantById } from "../../tenants/resolveTenant.ts";

/**
 * What every bench route declares: public, but only the gateway's when BENCH_BASELINE is
 * "1" (benchOnly); left out of `/openapi.json`, its path and query taken as sent. Anywhere
 * else, and for other methods, the path goes on to the store's origin like any path that is
 * not the gateway's, so a store with a `/__bench/…` page of its own still gets it.
 */
export const BENCH_ROUTE = {
  access: "public" as const,
  tags: ["Service"],
  rawParams: true as const,
  anyQuery: true as const,
  undocumented: true as const,
  fallThrough: true as const,
  refuseOtherMethods: false as const,
};

/** The bench route's answer where the bench's own config enables it; undefined (on to the origin) elsewhere. */
export function benchOnly(env: Env, serve: () => Promise<Response>): Promise<Response> | undefined {
  return env.BENCH_BASELINE === "1" ? serve() : undefined;
}

/**
 * `GET /__bench/r2/:tenant/:file` streams an R2 object with no checks at all: the
 * baseline `npm run bench` compares the gateway against (the bench's own wrangler config
 * sets BENCH_BASELINE to "1"; benchOnly).
 */
export async function serveBenchBaseline(env: Env, tenant: string, file: string): Promise<Response> {
  const object = await env.FILES.get(`${tenant}/${file}`);
  if (!object) throw new HttpError("not_found", "No such object.");
  return new Response(object.body, {
    headers: { "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream", ETag: object.httpEtag },
  });
}

/**
 * `GET /__bench/r2-after-link/:tenant/:link/:file`: one read-only call to the link's
 * Durable Object (its snapshot; nothing counted, nothing logged), then the baseline.
 * Kept for comparison runs; the bench's floor is now bench/worker's FloorCounter.
 */
export async function serveBenchLinkFloor(env: Env, tenant: string, link: string, file: string): Promise<Response> {
  await linkStub(env, tenant, link).snapshot();
  return serveBenchBaseline(env, tenant, file);
}

/**
 * `GET /__bench/listing/:tenant[?order=<number>]`: the floor of the customer listings
 * (issue 13, target 3). It does what `/my/downloads` (or, with `order`,
 * `/orders/:n/downloads`) must do before it signs anything — the tenant, the customer's
 * credential, the same rows from D1 — and answers each link as JSON, without its URL.
 */
export async function serveBenchListingFloor(request: Request, env: Env, tenantId: string): Promise<Response> {
  const tenant = await tenantById(env, tenantId);
  if (!tenant) throw new HttpError("not_found", "There is no store at this address.");
  const customer = await customerId(request, env, tenant);
  const order = new URL(request.url).searchParams.get("order");
  const rows = await loadOrderLinks(
    drizzle(env.DB),
    tenant.id,
    order === null ? { customerId: customer } : { orderNumber: order },
  );
  if (rows.length === 0) throw new HttpError("not_found", "No such order.");
  if (rows[0]?.order.customerId !== customer)
    throw new HttpError("forbidden", "This order belongs to another customer.");
  const data = listingFloorRows(rows);
  return json({ data });
}

/** What a listing shows of each link, less its signed URL: the floor the listings are measured against. */
export function listingFloorRows(rows: readonly OrderLinkRow[]) {
  return rows.map(({ order: o, item, link, file }) => ({
    order_number: o.number,
    item_id: item.id,
    product: { id: item.productId, name: item.productName },
    link_id: link.id,
    file_id: link.fileId,
    name: file?.name ?? null,
    size: file?.size ?? null,
    download_limit: link.downloadLimit,
    download_count: link.downloadCount,
    expires_at: link.expiresAt,
  }));
}
