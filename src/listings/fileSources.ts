import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { files } from "../db/schema.ts";

export type FileSource = (typeof files.$inferSelect)["source"];

/**
 * Where each listed file's bytes come from (`r2` upload or `url` pull-through), for the
 * storefront shapes that tell the two apart. Ids of deleted files are simply absent.
 */
export async function fileSources(
  db: DrizzleD1Database,
  tenantId: string,
  fileIds: readonly string[],
): Promise<Map<string, FileSource>> {
  const unique = [...new Set(fileIds)];
  const sources = new Map<string, FileSource>();
  // D1 binds at most 100 parameters per statement: ask in chunks.
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await db
      .select({ id: files.id, source: files.source })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), inArray(files.id, unique.slice(i, i + 90))));
    for (const row of rows) sources.set(row.id, row.source);
  }
  return sources;
}
