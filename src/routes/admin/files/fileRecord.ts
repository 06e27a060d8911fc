import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { forgetFileMetadata } from "../../../files/fileMetadata.ts";
import { forgetPullSource } from "../../../files/pullThrough.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { isoFromSeconds } from "../../../utils/time.ts";

type FileRow = typeof files.$inferSelect;

/** A file as the API shows it (fileSchemas.ts `fileSchema`). */
export function fileView(row: FileRow) {
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    mime_type: row.mimeType,
    sha256: row.sha256,
    source: row.source,
    created_at: isoFromSeconds(row.createdAt) as string,
  };
}

/** The tenant's file, or 404. */
export async function findFile(env: Env, tenantId: string, fileId: string): Promise<FileRow> {
  const [row] = await drizzle(env.DB)
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)))
    .limit(1);
  if (!row) throw new HttpError("not_found", `There is no file ${JSON.stringify(fileId)}.`);
  return row;
}

/** What an upload or a registration stores about a file; the row is keyed by tenant and id. */
export type FileFields = Pick<FileRow, "name" | "size" | "mimeType" | "sha256" | "source" | "originUrl">;

/** Creates or replaces the file's row, and makes the next download see it at once. */
export async function saveFile(env: Env, tenantId: string, fileId: string, fields: FileFields): Promise<FileRow> {
  const [saved] = await drizzle(env.DB)
    .insert(files)
    .values({ tenantId, id: fileId, ...fields })
    // A new generation: a pull of an earlier one keeps none of its bytes (files/pullThrough.ts).
    .onConflictDoUpdate({
      target: [files.tenantId, files.id],
      set: { ...fields, generation: sql`${files.generation} + 1` },
    })
    .returning();
  forgetFile(tenantId, fileId);
  return saved as FileRow;
}

/**
 * Runs `write` (the file's row replaced or deleted) between two deletes of its stored bytes:
 * before, so no download serves the old version once the row says otherwise; and after,
 * since a pull-through that stored bytes in between (its size check still saw the old row,
 * files/pullThrough.ts) must not leave them served under the new row, or under none.
 */
export async function withStoredBytesDropped<T>(
  env: Env,
  tenantId: string,
  fileId: string,
  write: () => Promise<T>,
): Promise<T> {
  const key = `${tenantId}/${fileId}`;
  await env.FILES.delete(key);
  const written = await write();
  await env.FILES.delete(key);
  return written;
}

/** Drops this isolate's cached view of a file (R2 metadata, pull-through source) after a change. */
export function forgetFile(tenantId: string, fileId: string): void {
  forgetFileMetadata(`${tenantId}/${fileId}`);
  forgetPullSource(tenantId, fileId);
}
