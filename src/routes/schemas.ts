import { z } from "zod";
import { ERROR_STATUS } from "../http/HttpError.ts";

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
  })
  .meta({ id: "DownloadInfo" });

export type DownloadInfo = z.infer<typeof downloadInfoSchema>;

/** docs/CONTRACT.md §7: every error body. */
export const errorSchema = z
  .object({
    error: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: "Error" });

export const healthSchema = z.object({ ok: z.literal(true), service: z.literal("dlgate") }).meta({ id: "Health" });
