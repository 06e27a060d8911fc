import { z } from "zod";

/** What the issuer API's resources share: the tenant id's form, timestamps, and the shape of a list. */

/** A tenant id: also the `{tenant}` of the customer routes under `/api/{tenant}` (docs/CONTRACT.md §4). */
export const tenantIdSchema = z.string().regex(/^[a-z0-9-]{1,40}$/, "lowercase letters, digits and '-', 1–40");

// The answers below document the shapes in /openapi.json, and test/integration/openapi.test.ts
// checks real answers against them; the routes themselves do not parse their output with them.

export const isoDate = z.iso.datetime();

/** A whole list, `{data: [...]}`. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
