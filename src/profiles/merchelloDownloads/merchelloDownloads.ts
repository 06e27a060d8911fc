import { customerDownloads } from "./customerDownloads.ts";
import { downloadByToken } from "./downloadByToken.ts";
import { invoiceDownloads } from "./invoiceDownloads.ts";

/** `/customer` before `/:token`, which would otherwise take "customer" for a token. */
export const merchelloDownloadsEndpoints = [customerDownloads, invoiceDownloads, downloadByToken];
