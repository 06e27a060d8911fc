import { z } from "zod";
import { ERROR_STATUS } from "./HttpError.ts";

/** docs/CONTRACT.md §7: every error body. */
export const errorSchema = z
  .object({
    error: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    details: z
      .array(
        z.object({
          path: z.string().meta({ description: 'the field, e.g. "items.0.grant.download_limit"; "" = the body' }),
          message: z.string(),
          suggestion: z.string().optional().meta({ description: "the field probably meant" }),
        }),
      )
      .optional()
      .meta({
        description:
          "bad_request: one entry per bad field; conflict: the field whose value conflicts with what is stored",
      }),
  })
  .meta({ id: "Error" });
