import { LINK_STATUSES } from "../policy/linkFigures.ts";
import { z } from "zod";

/** docs/CONTRACT.md §4: the answer of `/downloads/:token/info`. */
export const downloadInfoSchema = z
  .object({
    file_name: z.string(),
    file_size: z.number().int().nonnegative(),
    mime_type: z.string(),
    download_count: z.number().int().nonnegative(),
    download_limit: z.number().int().nullable().meta({ description: "null = unlimited" }),
    remaining_downloads: z.number().int().nonnegative().nullable().meta({ description: "null = unlimited" }),
    expires_at: z.iso.datetime().nullable().meta({ description: "null = no expiry" }),
    is_expired: z.boolean(),
    is_limit_reached: z.boolean(),
    revoked: z.boolean(),
    status: z.enum(LINK_STATUSES).meta({
      description:
        "What a download would meet now, as the listings say it: pending = order unpaid, suspended = order held or link blocked, " +
        "not_yet_valid = the token's nbf is ahead (never removed: the info of a link whose file was deleted is 404 not_found)",
    }),
  })
  .meta({ id: "DownloadInfo" });

export type DownloadInfo = z.infer<typeof downloadInfoSchema>;

export const healthSchema = z.object({ ok: z.literal(true), service: z.literal("dlgate") }).meta({ id: "Health" });
