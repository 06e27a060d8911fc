import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { newAdminKey } from "../../auth/adminKey.ts";
import { adminKeys } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { readJson } from "../../http/readJson.ts";
import { isoFromSeconds, nowSeconds } from "../../utils/time.ts";
import { createAdminKeySchema } from "./adminSchemas.ts";

function view(row: typeof adminKeys.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    created_at: isoFromSeconds(row.createdAt) as string,
    revoked_at: isoFromSeconds(row.revokedAt),
  };
}

export async function createAdminKey(request: Request, env: Env, tenantId: string): Promise<Response> {
  const body = await readJson(request, createAdminKeySchema);
  const key = await newAdminKey();
  const [row] = await drizzle(env.DB)
    .insert(adminKeys)
    .values({ id: key.id, tenantId, name: body.name, hash: key.hash })
    .returning();
  return json({ ...view(row as typeof adminKeys.$inferSelect), key: key.key }, 201);
}

export async function listAdminKeys(env: Env, tenantId: string): Promise<Response> {
  const rows = await drizzle(env.DB)
    .select()
    .from(adminKeys)
    .where(eq(adminKeys.tenantId, tenantId))
    .orderBy(adminKeys.createdAt);
  return json({ data: rows.map(view) });
}

/** Revokes a key of the caller's own tenant; another tenant's key id is simply not found. */
export async function revokeAdminKey(env: Env, tenantId: string, id: string): Promise<Response> {
  const [row] = await drizzle(env.DB)
    .update(adminKeys)
    .set({ revokedAt: nowSeconds() })
    .where(and(eq(adminKeys.tenantId, tenantId), eq(adminKeys.id, id), isNull(adminKeys.revokedAt)))
    .returning();
  if (!row) throw new HttpError("not_found", `There is no active admin key ${JSON.stringify(id)}.`);
  return json(view(row));
}
