import { drizzle } from "drizzle-orm/d1";
import { newAdminKey } from "../../../auth/adminKey.ts";
import { adminKeys } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { isoFromSeconds } from "../../../utils/time.ts";

type AdminKeyRow = typeof adminKeys.$inferSelect;

/** A key as the API shows it (adminKeySchemas.ts `adminKeySchema`), without the key itself. */
export function adminKeyView(row: AdminKeyRow) {
  return {
    id: row.id,
    name: row.name,
    created_at: isoFromSeconds(row.createdAt) as string,
    revoked_at: isoFromSeconds(row.revokedAt),
  };
}

/** Makes and stores a new admin key of the tenant; the answer is the only place its secret is ever shown. */
export async function insertAdminKey(env: Env, tenantId: string, name: string) {
  const key = await newAdminKey();
  const [row] = await drizzle(env.DB)
    .insert(adminKeys)
    .values({ id: key.id, tenantId, name, hash: key.hash })
    .returning();
  return { ...adminKeyView(row as AdminKeyRow), key: key.key };
}
