import { z } from "zod";
import { singleLine } from "../../../http/textInput.ts";
import { listOf } from "../adminSchemas.ts";

/** The admin keys' body and answers: this folder's, and the operator's tenants/issueTenantAdminKey.ts. */

export const createAdminKeySchema = z
  .strictObject({ name: singleLine(0, 100).default("") })
  .meta({ id: "CreateAdminKey" });

export const adminKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    created_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
    /** Only in the answer that creates it. */
    key: z.string().optional(),
  })
  .meta({ id: "AdminKey" });

export const adminKeyListSchema = listOf(adminKeySchema).meta({ id: "AdminKeyList" });
