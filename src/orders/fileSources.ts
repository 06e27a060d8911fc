import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { inChunks } from "../db/inChunks.ts";
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
  const rows = await inChunks(unique, (chunk) =>
    db
      .select({ id: files.id, source: files.source })
      .from(files)
      .where(and(eq(files.tenantId, tenantId), inArray(files.id, chunk))),
  );
  return new Map(rows.map((row) => [row.id, row.source]));
}
