import { z } from "zod";
import { presentedFileName } from "../../files/fileHeaders.ts";
import type { FileSource } from "../../listings/fileSources.ts";
import { integerOrString } from "../../orders/integerOrString.ts";
import { mintLinkRowUrl } from "../../listings/mintLinkRowUrl.ts";
import { rowFigures, type OrderLinkRow } from "../../listings/orderRows.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { isoFromMs, isoFromSeconds } from "../../utils/time.ts";

/** An id the store supplied: a JSON integer when its text is a canonical safe integer, else the text. */
export const storeIdSchema = z
  .union([z.int(), z.string()])
  .meta({ description: 'the store\'s id: an integer when its text is one ("1050" → 1050), else the text' });

const purchaseStatusSchema = z.enum(["available", "pending", "expired"]);

/** One entry of seed 001's answer: a downloadable link purchase, camelCase (docs/profiles/customer-downloadable-products.md). */
export const downloadablePurchaseSchema = z
  .object({
    id: z.string().meta({ description: "the link id (`l_…`)" }),
    productName: z.string(),
    name: z.string().meta({ description: "the file's name" }),
    url: z
      .string()
      .nullable()
      .meta({ description: "`type: url`: a signed dlgate download URL while available; else null" }),
    file: z
      .string()
      .nullable()
      .meta({ description: "`type: file`: a signed dlgate download URL while available; else null" }),
    fileName: z.string(),
    type: z.enum(["file", "url"]),
    downloadBought: z.int().min(0).meta({ description: "the limit in force; 0 when unlimited" }),
    downloadUsed: z.int().min(0),
    downloadCanceled: z.int().min(0),
    status: purchaseStatusSchema,
    remainingDownloads: z.int().min(0).nullable().meta({ description: "null when unlimited" }),
    customerId: storeIdSchema,
    orderId: storeIdSchema,
    orderItemId: z.string().meta({ description: "the item id (`i_…`)" }),
    order: z.object({
      id: storeIdSchema,
      status: z.enum(["pending", "complete", "canceled"]),
      createdAt: z.iso.datetime(),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "DownloadablePurchase" });

export type DownloadablePurchase = z.infer<typeof downloadablePurchaseSchema>;

/** Seed 001's whole answer: a bare array, `[]` when the customer has no purchases. */
export const downloadablePurchasesSchema = z
  .array(downloadablePurchaseSchema)
  .meta({ id: "DownloadablePurchases", description: "Newest orders first; [] when there are none" });

/**
 * Maps one listed link to seed 001's purchase. The arithmetic is the core's
 * (`rowFigures`); only the seed's extra rule is added here: canceled downloads come off
 * the remainder (bought − used − canceled), and a purchase with nothing left is "expired",
 * the seed's word for "all downloads used or the link expired" (also revoked / canceled).
 *
 * `type` follows the file's source: a pull-through file (source "url") is a "url" link, an
 * uploaded R2 file a "file" link. Either way the one non-null field of the two holds a
 * freshly signed gateway download URL (never the origin's), and both are null while the
 * purchase cannot be downloaded.
 */
export async function downloadablePurchase(
  tenant: Tenant,
  baseUrl: string,
  row: OrderLinkRow,
  source: FileSource | undefined,
  nowMs: number,
): Promise<DownloadablePurchase> {
  const { order, item, link } = row;
  const figures = rowFigures(row, nowMs);
  const remaining =
    figures.limit === null ? null : Math.max(0, figures.limit - link.downloadCount - link.canceledCount);
  const status =
    figures.status === "pending"
      ? "pending"
      : figures.status === "available" && remaining !== 0
        ? "available"
        : "expired";
  const downloadUrl = status === "available" ? await mintLinkRowUrl(tenant, baseUrl, row) : null;
  const type = source === "url" ? "url" : "file";
  const fileName = presentedFileName(row.file?.name, link.fileId);
  const createdAt = isoFromSeconds(order.purchasedAt) as string;
  const orderId = integerOrString(order.number);
  return {
    id: link.id,
    productName: item.productName,
    name: fileName,
    url: type === "url" ? downloadUrl : null,
    file: type === "file" ? downloadUrl : null,
    fileName,
    type,
    // The seed's systems store "unlimited" as 0 bought; remainingDownloads is then null.
    downloadBought: figures.limit ?? 0,
    downloadUsed: link.downloadCount,
    downloadCanceled: link.canceledCount,
    status,
    remainingDownloads: remaining,
    customerId: integerOrString(order.customerId),
    orderId,
    orderItemId: item.id,
    order: { id: orderId, status: order.status, createdAt },
    createdAt,
    // The last thing that changed a purchase we know of: its last counted download.
    updatedAt: isoFromMs(Math.max(order.purchasedAt * 1000, link.lastDownloadAt ?? 0)) as string,
  };
}
