import type { CreateOrder } from "./orderSchemas.ts";
import type { OrderLinkRow } from "../listings/orderRows.ts";

/** What a purchase grants one file, in the units the links table stores. */
interface CanonicalLink {
  file_id: string;
  download_limit: number | null;
  expires_at: number | null;
  ip_restriction: string | null;
  device_limit: number | null;
  require_login: boolean;
  allowed_countries: string | null;
  blocked_countries: string | null;
}

interface CanonicalItem {
  product: {
    id: string;
    name: string;
    slug: string | null;
    variant_name: string | null;
    sku: string | null;
    vendor: string | null;
    tags: string[];
  };
  links: CanonicalLink[];
}

/** The parts of an order that make it "the same order": who bought it and what each item grants. */
interface CanonicalOrder {
  customer_id: string;
  items: CanonicalItem[];
}

/** A grant's absolute expiry (seconds), as the order's links store it. */
export function expiryOf(grant: CreateOrder["items"][number]["grant"], purchasedAt: number): number | null {
  if (grant.expires_at) return Math.floor(Date.parse(grant.expires_at) / 1000);
  if (grant.expires_in_days) return purchasedAt + grant.expires_in_days * 86400;
  return null;
}

/** A grant's list as the links table stores it: JSON, or null when not given. */
export function listColumn(list: string[] | undefined): string | null {
  return list ? JSON.stringify(list) : null;
}

/** The links of one item, file by file; a file id's position in the request does not matter. */
function byFile(links: CanonicalLink[]): CanonicalLink[] {
  return links.sort((a, b) => (a.file_id < b.file_id ? -1 : a.file_id > b.file_id ? 1 : 0));
}

function fromRequest(body: CreateOrder, purchasedAt: number): CanonicalOrder {
  return {
    customer_id: body.customer_id,
    items: body.items.map((item) => ({
      product: {
        id: item.product.id,
        name: item.product.name,
        slug: item.product.slug ?? null,
        variant_name: item.product.variant_name ?? null,
        sku: item.product.sku ?? null,
        vendor: item.product.vendor ?? null,
        tags: item.product.tags,
      },
      links: byFile(
        item.file_ids.map((fileId) => ({
          file_id: fileId,
          download_limit: item.grant.download_limit ?? null,
          expires_at: expiryOf(item.grant, purchasedAt),
          ip_restriction: item.grant.ip_restriction ? JSON.stringify(item.grant.ip_restriction) : null,
          device_limit: item.grant.device_limit ?? null,
          require_login: item.grant.require_login,
          allowed_countries: listColumn(item.grant.allowed_countries),
          blocked_countries: listColumn(item.grant.blocked_countries),
        })),
      ),
    })),
  };
}

/** The stored order in the same form. The grant columns of links never change after creation (overrides live apart). */
function fromRows(rows: OrderLinkRow[]): CanonicalOrder {
  const items = new Map<string, CanonicalItem & { position: number }>();
  for (const { item, link } of rows) {
    const entry = items.get(item.id) ?? {
      position: item.position,
      product: {
        id: item.productId,
        name: item.productName,
        slug: item.productSlug,
        variant_name: item.variantName,
        sku: item.sku,
        vendor: item.vendor,
        tags: JSON.parse(item.tags) as string[],
      },
      links: [],
    };
    entry.links.push({
      file_id: link.fileId,
      download_limit: link.downloadLimit,
      expires_at: link.expiresAt,
      ip_restriction: link.ipRestriction,
      device_limit: link.deviceLimit,
      require_login: link.requireLogin,
      allowed_countries: link.allowedCountries,
      blocked_countries: link.blockedCountries,
    });
    items.set(item.id, entry);
  }
  return {
    customer_id: rows[0]?.order.customerId ?? "",
    items: [...items.values()]
      .sort((a, b) => a.position - b.position)
      .map(({ product, links }) => ({ product, links: byFile(links) })),
  };
}

/**
 * Whether a create-order request describes the order already stored under its number:
 * the same customer and the same items (products, files and grants, in item order). Status
 * and purchase time are not compared: a retried request for a pending order that has since
 * been completed, or one that left `purchased_at` to "now", is still the same order. A
 * relative expiry (`expires_in_days`) is compared as the date it gives from the stored
 * purchase time.
 */
export function sameOrder(body: CreateOrder, rows: OrderLinkRow[]): boolean {
  const first = rows[0];
  if (!first) return false;
  return JSON.stringify(fromRequest(body, first.order.purchasedAt)) === JSON.stringify(fromRows(rows));
}
