import { z } from "zod";
import { presentedFileName } from "../../files/fileHeaders.ts";
import type { FileSource } from "../../listings/fileSources.ts";
import { humanFileSize } from "../../orders/humanFileSize.ts";
import { integerOrString } from "../../orders/integerOrString.ts";
import { mintLinkRowUrl } from "../../listings/mintLinkRowUrl.ts";
import { rowFigures, type OrderLinkRow } from "../../listings/orderRows.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { storeIdSchema } from "../customerDownloadableProducts/customerDownloadableProductsView.ts";

/** One downloadable asset of seed 002's answer (docs/profiles/customer-account-orders.md). */
export const accountAssetSchema = z
  .object({
    limits: z.object({
      downloaded: z.int().min(0).meta({ description: "counted downloads" }),
      limit: z.int().min(0).nullable().meta({ description: "the limit in force; null when unlimited" }),
    }),
    data: z.object({
      id: z.string().meta({ description: "the file id" }),
      filename: z.string(),
      size: z.string().nullable().meta({ description: 'binary units, e.g. "10MB", "1.5KB"; null while unknown' }),
      is_file: z.boolean(),
      is_link: z.boolean(),
      url: z
        .string()
        .nullable()
        .meta({ description: "a freshly signed dlgate download URL; null while it cannot be downloaded" }),
    }),
  })
  .meta({ id: "CustomerAccountAsset" });

const accountLineSchema = z.object({
  product: z.object({
    id: z.string().meta({ description: "the item id (`i_…`)" }),
    name: z.string(),
    variant_name: z.string().nullable(),
    sku: z.string().nullable(),
    product_id: storeIdSchema,
    variant_id: z.null().meta({ description: "always null: the issuer API records no variant id" }),
    vendor: z.string().nullable(),
    tags: z.array(z.string()),
  }),
  assets: z.array(accountAssetSchema),
});

/** Seed 002's answer: one order's download assets, by item. */
export const accountOrderSchema = z
  .object({
    order: z.object({
      order_number: storeIdSchema,
      lines: z.array(accountLineSchema),
      assets: z
        .array(accountAssetSchema)
        .max(0)
        .meta({ description: "always []: every asset of dlgate's orders belongs to a line" }),
    }),
    text: z
      .object({ title: z.string(), text: z.string().nullable() })
      .meta({ description: "the tenant's account_text" }),
  })
  .meta({ id: "CustomerAccountOrder" });

export type AccountAsset = z.infer<typeof accountAssetSchema>;
export type AccountLine = z.infer<typeof accountLineSchema>;
export type AccountOrder = z.infer<typeof accountOrderSchema>;

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
