import { z } from "zod";
import { mintDownloadUrl } from "../../links/mintDownloadUrl.ts";
import { linkGrantOf } from "../../listings/linkGrant.ts";
import { rowFigures, type OrderLinkRow } from "../../listings/orderRows.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { BASE } from "./merchelloProfile.ts";

/** Seed format: ISO 8601 in UTC to the second, `2026-04-28T00:00:00Z`. */
const utcSchema = z.iso.datetime({ precision: 0 });

/** One entry of the `merchello-downloads` listings (seed 004), field for field (docs/profiles/merchello-downloads.md). */
export const merchelloDownloadSchema = z
  .object({
    id: z.string().meta({ description: "the link id (`l_…`)" }),
    fileName: z.string(),
    downloadUrl: z
      .string()
      .startsWith(`${BASE}/`)
      .meta({ description: "relative: `/api/merchello/downloads/<token>`, the link's signed token" }),
    expiresUtc: utcSchema.nullable().meta({ description: "null: the link never expires" }),
    productName: z.string(),
    maxDownloads: z.int().min(0).nullable().meta({ description: "null: unlimited" }),
    downloadCount: z.int().min(0),
    remainingDownloads: z.int().min(0).nullable().meta({ description: "null: unlimited" }),
    lastDownloadUtc: utcSchema.nullable().meta({ description: "null: none yet" }),
    isExpired: z.boolean(),
    isDownloadLimitReached: z.boolean(),
  })
  .meta({ id: "MerchelloDownload" });

export type MerchelloDownload = z.infer<typeof merchelloDownloadSchema>;

/** `/customer` and `/invoice/{invoiceId}` answer a bare array, `[]` when there is nothing to list. */
export const merchelloDownloadsSchema = z
  .array(merchelloDownloadSchema)
  .meta({ id: "MerchelloDownloads", description: "[] when there is nothing to list" });

/**
 * Minted links live under the profile's own base, so the store's front end keeps linking
 * to `/api/merchello/downloads/<token>` (relative, like the seed's example);
 * `mintDownloadUrl` appends `/downloads/<token>` to this.
 */
const MINT_BASE = "/api/merchello";

/** Statuses the seed has no word for but "expired": the link answers a refusal. */
const UNUSABLE = new Set(["revoked", "suspended", "removed"]);

/** In `utcSchema`'s format. */
function utc(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The listing of seed 004 for joined order rows. The system issues links only for paid
 * orders, so links of pending orders are left out. A link that cannot be used — expired,
 * revoked, of a canceled order, or suspended (its order held, or the link blocked) —
 * counts as expired (`isExpired: true`), the seed's only word for it, and is listed only
 * with `includeExpired`. Each entry gets the link's signed URL (linkTokenCache.ts), also the
 * expired ones (the seed's `downloadUrl` is never null; the gateway refuses them anyway).
 */
export function merchelloDownloads(
  tenant: Tenant,
  rows: OrderLinkRow[],
  includeExpired: boolean,
  nowMs = Date.now(),
): Promise<MerchelloDownload[]> {
  const shown = rows
    .map((row) => ({ row, figures: rowFigures(row, nowMs) }))
    .filter(({ figures }) => figures.status !== "pending")
    .map((entry) => ({ ...entry, isExpired: entry.figures.isExpired || UNUSABLE.has(entry.figures.status) }))
    .filter(({ isExpired }) => includeExpired || !isExpired);
  return Promise.all(
    shown.map(async ({ row, figures, isExpired }) => {
      const grant = linkGrantOf(row);
      return {
        id: row.link.id,
        fileName: grant.fileName,
        downloadUrl: await mintDownloadUrl(tenant, MINT_BASE, grant),
        expiresUtc: utc(figures.expiresAt === null ? null : figures.expiresAt * 1000),
        productName: row.item.productName,
        maxDownloads: figures.limit,
        downloadCount: row.link.downloadCount,
        remainingDownloads: figures.remaining,
        lastDownloadUtc: utc(row.link.lastDownloadAt),
        isExpired,
        isDownloadLimitReached: figures.isLimitReached,
      };
    }),
  );
}
