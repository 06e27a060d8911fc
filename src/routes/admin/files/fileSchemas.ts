import { z } from "zod";
import { isoDate } from "../adminSchemas.ts";

/** The answers of the file endpoints (this folder): a file, a started upload, a stored part. */

export const fileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int().nonnegative().nullable().meta({ description: "null until a pull-through file is fetched" }),
    mime_type: z.string(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    source: z.enum(["r2", "url"]),
    created_at: isoDate,
  })
  .meta({ id: "File" });

export const uploadStartedSchema = z
  .object({ upload_id: z.string(), file_id: z.string(), name: z.string(), mime_type: z.string() })
  .meta({ id: "UploadStarted" });

export const uploadedPartSchema = z
  .object({
    part_number: z.number().int().min(1).max(10000),
    etag: z.string().meta({ description: "Hand it back in the complete call's `parts`." }),
  })
  .meta({ id: "UploadedPart" });
