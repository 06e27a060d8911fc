import { presentedFileName } from "../../files/fileHeaders.ts";
import type { FileSource } from "../../listings/fileSources.ts";
import { integerOrString } from "../../orders/integerOrString.ts";
import { mintLinkRowUrl } from "../../listings/mintLinkRowUrl.ts";
import { rowFigures, type OrderLinkRow } from "../../listings/orderRows.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { isoFromMs, isoFromSeconds } from "../../utils/time.ts";

/** One entry of seed 001's answer: a downloadable link purchase, camelCase. */
export interface DownloadablePurchase {
  id: string;
  productName: string;
  name: string;
  url: string | null;
  file: string | null;
  fileName: string;
  type: "file" | "url";
  downloadBought: number;
  downloadUsed: number;
  downloadCanceled: number;
  status: "available" | "pending" | "expired";
  remainingDownloads: number | null;
  customerId: number | string;
  orderId: number | string;
  orderItemId: string;
  order: { id: number | string; status: "pending" | "complete" | "canceled"; createdAt: string };
  createdAt: string;
  updatedAt: string;
}

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
