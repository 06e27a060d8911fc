import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../db/schema.ts";
import type { Env } from "../env.ts";

/**
 * The name a file is registered under in D1, for a file R2 has no object of yet (a
 * pull-through file before its first download, which stores this same name in R2's
 * metadata). Null when there is no row, or when D1 cannot be read: a page that only shows
 * the name then shows the file id rather than failing.
 */
export async function registeredName(env: Env, tenantId: string, fileId: string): Promise<string | null> {
  try {
    const [row] = await drizzle(env.DB)
      .select({ name: files.name })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)))
      .limit(1);
    return row?.name ?? null;
  } catch (error) {
    console.warn(`registered name of ${tenantId}/${fileId} not read: ${String(error)}`);
    return null;
  }
}
