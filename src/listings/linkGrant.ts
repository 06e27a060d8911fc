import { presentedFileName } from "../files/fileHeaders.ts";
import type { LinkGrantRow } from "../links/mintDownloadUrl.ts";
import type { OrderLinkRow } from "./orderRows.ts";

/**
 * The grant of one listed link, as `mintDownloadUrl` signs it. The file name falls back
 * to the file id when the file row was deleted after the order was made.
 */
export function linkGrantOf(row: OrderLinkRow): LinkGrantRow {
  return {
    id: row.link.id,
    fileId: row.link.fileId,
    fileName: presentedFileName(row.file?.name, row.link.fileId),
    customerId: row.link.customerId,
    orderNumber: row.link.orderNumber,
    downloadLimit: row.link.downloadLimit,
    expiresAt: row.link.expiresAt,
    ipRestriction: row.link.ipRestriction,
    deviceLimit: row.link.deviceLimit,
    requireLogin: row.link.requireLogin,
    allowedCountries: row.link.allowedCountries,
    blockedCountries: row.link.blockedCountries,
  };
}
