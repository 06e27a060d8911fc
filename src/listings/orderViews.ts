import { presentedFileName } from "../files/fileHeaders.ts";
import type { LinkFigures } from "../policy/linkFigures.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { isoFromSeconds } from "../utils/time.ts";
import type { DownloadsListing, OrderView } from "../orders/orderSchemas.ts";
import { shownOrderStatus } from "../orders/orderStatus.ts";
import { pageOf, type PageRequest } from "./listingPage.ts";
import { mintLinkRowUrl } from "./mintLinkRowUrl.ts";
import { rowFigures, type OrderLinkRow } from "./orderRows.ts";

/** One file entry, with a freshly signed URL when the link can be used right now. */
async function fileEntry(tenant: Tenant, baseUrl: string, row: OrderLinkRow, figures: LinkFigures) {
  const name = presentedFileName(row.file?.name, row.link.fileId);
  const url = figures.status === "available" ? await mintLinkRowUrl(tenant, baseUrl, row) : null;
  return {
    id: row.link.fileId,
    name,
    size: row.file?.size ?? null,
    link_id: row.link.id,
    download_url: url,
    download_count: row.link.downloadCount,
    download_limit: figures.limit,
    remaining_downloads: figures.remaining,
    expires_at: isoFromSeconds(figures.expiresAt),
    is_expired: figures.isExpired,
    status: figures.status,
  };
}

type FileEntry = Awaited<ReturnType<typeof fileEntry>>;

/** Groups joined rows into orders → items → files, preserving the query's order. */
async function group(tenant: Tenant, baseUrl: string, rows: OrderLinkRow[]) {
  const now = Date.now();
  const orders = new Map<
    string,
    { row: OrderLinkRow; items: Map<string, { row: OrderLinkRow; files: FileEntry[] }> }
  >();
  const entries = await Promise.all(rows.map((row) => fileEntry(tenant, baseUrl, row, rowFigures(row, now))));
  rows.forEach((row, i) => {
    let order = orders.get(row.order.number);
    if (!order) orders.set(row.order.number, (order = { row, items: new Map() }));
    let item = order.items.get(row.item.id);
    if (!item) order.items.set(row.item.id, (item = { row, files: [] }));
    item.files.push(entries[i] as FileEntry);
  });
  return [...orders.values()];
}

/** The issuer API's view of orders. */
export async function orderViews(tenant: Tenant, baseUrl: string, rows: OrderLinkRow[]): Promise<OrderView[]> {
  return (await group(tenant, baseUrl, rows)).map(({ row, items }) => ({
    order_number: row.order.number,
    customer_id: row.order.customerId,
    status: shownOrderStatus(row.order),
    hold:
      row.order.heldAt === null
        ? null
        : { reason: row.order.holdReason ?? "", held_at: isoFromSeconds(row.order.heldAt) as string },
    purchased_at: isoFromSeconds(row.order.purchasedAt) as string,
    access_key: row.order.accessKey,
    items: [...items.values()].map(({ row: r, files }) => ({
      id: r.item.id,
      product: {
        id: r.item.productId,
        name: r.item.productName,
        slug: r.item.productSlug,
        variant_name: r.item.variantName,
        sku: r.item.sku,
        vendor: r.item.vendor,
        tags: JSON.parse(r.item.tags) as string[],
      },
      files,
    })),
  }));
}

/**
 * Seed 000's listing: one entry per purchased item. Without `includeExpired` only files
 * that can be downloaded now (and those of pending orders, shown without a URL) appear;
 * items left with no file are dropped. With `page` (`?limit=&cursor=`, listingPage.ts) only
 * that page's entries are answered, with `next_cursor`; only the files shown get a URL.
 */
export async function downloadsListing(
  tenant: Tenant,
  baseUrl: string,
  rows: OrderLinkRow[],
  includeExpired: boolean,
  page?: PageRequest,
): Promise<DownloadsListing> {
  const now = Date.now();
  const items = new Map<string, { row: OrderLinkRow; files: { row: OrderLinkRow; figures: LinkFigures }[] }>();
  for (const row of rows) {
    const figures = rowFigures(row, now);
    // Held or blocked files stay listed, without a URL, like pending ones: the purchase is
    // not gone, only paused (docs/CONTRACT.md §8).
    if (!includeExpired && !["available", "pending", "suspended"].includes(figures.status)) continue;
    let item = items.get(row.item.id);
    if (!item) items.set(row.item.id, (item = { row, files: [] }));
    item.files.push({ row, figures });
  }
  const all = [...items.values()];
  const { entries, nextCursor } = page
    ? pageOf(
        all,
        ({ row }) => ({
          purchasedAt: row.order.purchasedAt,
          orderNumber: row.order.number,
          position: row.item.position,
        }),
        page,
      )
    : { entries: all, nextCursor: undefined };
  const data = await Promise.all(
    entries.map(async ({ row, files }) => ({
      id: row.item.id,
      product: { id: row.item.productId, name: row.item.productName, slug: row.item.productSlug },
      files: await Promise.all(files.map(({ row: r, figures }) => listedFile(tenant, baseUrl, r, figures))),
      order_number: row.order.number,
      purchased_at: isoFromSeconds(row.order.purchasedAt) as string,
      status: shownOrderStatus(row.order),
    })),
  );
  return nextCursor === undefined ? { data } : { data, next_cursor: nextCursor };
}

/** One file of the listing, with a URL when the link can be used right now. */
async function listedFile(tenant: Tenant, baseUrl: string, row: OrderLinkRow, figures: LinkFigures) {
  const { link_id: _linkId, ...file } = await fileEntry(tenant, baseUrl, row, figures);
  return file;
}
