import { presentedFileName } from "../files/fileHeaders.ts";
import { linkFigures } from "../policy/linkFigures.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { isoFromSeconds } from "../utils/time.ts";
import type { DownloadsListing, OrderView } from "../orders/orderSchemas.ts";
import { mintLinkRowUrl } from "./mintLinkRowUrl.ts";
import type { OrderLinkRow } from "./orderRows.ts";
import { shownOrderStatus } from "../orders/orderStatus.ts";

/** One file entry, with a freshly signed URL when the link can be used right now. */
async function fileEntry(tenant: Tenant, baseUrl: string, row: OrderLinkRow, now: number) {
  const figures = linkFigures(row.link, row.order.status, now);
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
  const entries = await Promise.all(rows.map((row) => fileEntry(tenant, baseUrl, row, now)));
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
 * items left with no file are dropped.
 */
export async function downloadsListing(
  tenant: Tenant,
  baseUrl: string,
  rows: OrderLinkRow[],
  includeExpired: boolean,
): Promise<DownloadsListing> {
  const data: DownloadsListing["data"] = [];
  for (const { row, items } of await group(tenant, baseUrl, rows)) {
    for (const { row: r, files } of items.values()) {
      const shown = files
        // Held or blocked files stay listed, without a URL, like pending ones: the purchase is
        // not gone, only paused (docs/CONTRACT.md §8).
        .filter((f) => includeExpired || ["available", "pending", "suspended"].includes(f.status))
        .map(({ link_id: _linkId, ...file }) => file);
      if (shown.length === 0) continue;
      data.push({
        id: r.item.id,
        product: { id: r.item.productId, name: r.item.productName, slug: r.item.productSlug },
        files: shown,
        order_number: row.order.number,
        purchased_at: isoFromSeconds(row.order.purchasedAt) as string,
        status: shownOrderStatus(row.order),
      });
    }
  }
  return { data };
}
