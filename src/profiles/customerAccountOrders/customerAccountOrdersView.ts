import { presentedFileName } from "../../files/fileHeaders.ts";
import type { FileSource } from "../../listings/fileSources.ts";
import { humanFileSize } from "../../orders/humanFileSize.ts";
import { integerOrString } from "../../orders/integerOrString.ts";
import { mintLinkRowUrl } from "../../listings/mintLinkRowUrl.ts";
import { rowFigures, type OrderLinkRow } from "../../listings/orderRows.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";

export interface AccountAsset {
  limits: { downloaded: number; limit: number | null };
  data: {
    id: string;
    filename: string;
    size: string | null;
    is_file: boolean;
    is_link: boolean;
    url: string | null;
  };
}

export interface AccountLine {
  product: {
    id: string;
    name: string;
    variant_name: string | null;
    sku: string | null;
    product_id: number | string;
    variant_id: number | string | null;
    vendor: string | null;
    tags: string[];
  };
  assets: AccountAsset[];
}

export interface AccountOrder {
  order: { order_number: number | string; lines: AccountLine[]; assets: AccountAsset[] };
  text: { title: string; text: string | null };
}

/**
 * One asset: the core's figures for the link, and a freshly signed gateway URL while it
 * can be downloaded (null for a pending order, an expired, used-up or revoked link). A
 * pull-through file (source "url") is the seed's link asset, an uploaded file its file.
 */
async function asset(
  tenant: Tenant,
  baseUrl: string,
  row: OrderLinkRow,
  source: FileSource | undefined,
  nowMs: number,
): Promise<AccountAsset> {
  const figures = rowFigures(row, nowMs);
  return {
    limits: { downloaded: row.link.downloadCount, limit: figures.limit },
    data: {
      id: row.link.fileId,
      filename: presentedFileName(row.file?.name, row.link.fileId),
      size: humanFileSize(row.file?.size ?? null),
      is_file: source !== "url",
      is_link: source === "url",
      url: figures.status === "available" ? await mintLinkRowUrl(tenant, baseUrl, row) : null,
    },
  };
}

/**
 * Seed 002's answer for one order's rows (all of one order, in item position order).
 * Every link of the core model belongs to an order item, so every asset is on its line
 * and the order-level `assets` is always empty. `variant_id` is not kept by the issuer
 * API and is null.
 */
export async function accountOrder(
  tenant: Tenant,
  baseUrl: string,
  rows: OrderLinkRow[],
  sources: ReadonlyMap<string, FileSource>,
): Promise<AccountOrder | null> {
  const first = rows[0];
  if (!first) return null;
  const now = Date.now();
  const assets = await Promise.all(rows.map((row) => asset(tenant, baseUrl, row, sources.get(row.link.fileId), now)));
  const lines = new Map<string, AccountLine>();
  rows.forEach(({ item }, i) => {
    let line = lines.get(item.id);
    if (!line) {
      line = {
        product: {
          id: item.id,
          name: item.productName,
          variant_name: item.variantName,
          sku: item.sku,
          product_id: integerOrString(item.productId),
          variant_id: null,
          vendor: item.vendor,
          tags: JSON.parse(item.tags) as string[],
        },
        assets: [],
      };
      lines.set(item.id, line);
    }
    line.assets.push(assets[i] as AccountAsset);
  });
  return {
    order: { order_number: integerOrString(first.order.number), lines: [...lines.values()], assets: [] },
    text: tenant.settings.account_text,
  };
}
