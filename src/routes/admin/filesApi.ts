import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { files } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { forgetFileMetadata } from "../../files/fileMetadata.ts";
import { mimeTypeFor } from "../../files/mimeType.ts";
import { forgetPullSource } from "../../files/pullThrough.ts";
import { sanitizeFileName } from "../../files/contentDisposition.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { parseInput, readJson, readQuery } from "../../http/readJson.ts";
import { fileNameSchema, mimeTypeSchema } from "../../http/textInput.ts";
import { fileIdSchema } from "../../orders/orderSchemas.ts";
import { hex } from "../../utils/encoding.ts";
import { isoFromSeconds } from "../../utils/time.ts";

/** Workers accept request bodies up to 100 MB; larger files go through multipart upload. */
export const MAX_SINGLE_UPLOAD_BYTES = 100 * 1000 * 1000;

export const registerFileSchema = z
  .strictObject({
    source_url: z
      .url({ protocol: /^https$/ })
      .meta({ description: "https only; fetched into R2 on first download, never shown to customers" }),
    name: fileNameSchema.optional(),
    mime_type: mimeTypeSchema.optional(),
  })
  .meta({ id: "RegisterFile" });

export const completeUploadSchema = z
  .strictObject({
    parts: z
      .array(z.strictObject({ part_number: z.number().int().min(1).max(10000), etag: z.string().min(1) }))
      .min(1)
      .max(10000),
  })
  .meta({ id: "CompleteUpload" });

/** The query of the upload routes. */
export const uploadQuerySchema = z.strictObject({
  name: fileNameSchema.optional().meta({ description: "File name; X-File-Name wins" }),
});

export function fileView(row: typeof files.$inferSelect) {
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

/** A path id, validated so that `details` names it (a bare string schema would report path ""). */
function validFileId(fileId: string): string {
  return parseInput(z.object({ file_id: fileIdSchema }), { file_id: fileId }).file_id;
}

/** The last path segment of a URL, decoded when it is valid percent-encoding, else as it is. */
function lastSegment(url: string): string {
  const segment = new URL(url).pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Name from `X-File-Name` (percent-encoded UTF-8 allowed) or `?name=`, else the id. Control
 * characters are refused (400 naming where they came from); path parts are cut off.
 */
function uploadName(request: Request, fileId: string): string {
  const query = readQuery(request, uploadQuerySchema);
  const header = request.headers.get("X-File-Name");
  if (header === null) return sanitizeFileName(query.name ?? fileId);
  let decoded: string;
  try {
    decoded = decodeURIComponent(header);
  } catch {
    throw new HttpError("bad_request", "X-File-Name is not valid percent-encoding.", {}, [
      { path: "X-File-Name", message: "bad encoding" },
    ]);
  }
  return sanitizeFileName(
    parseInput(z.object({ "X-File-Name": fileNameSchema }), { "X-File-Name": decoded })["X-File-Name"],
  );
}

/**
 * The declared Content-Type, when it is one (RFC 9110 media type), else a guess from the
 * name. `application/octet-stream` declares nothing. A malformed one is refused rather
 * than stored: it would be sent back as the Content-Type of every download.
 */
function uploadType(request: Request, name: string): string {
  const declared = request.headers.get("Content-Type")?.trim();
  if (!declared || declared === "application/octet-stream") return mimeTypeFor(name);
  return parseInput(z.object({ "Content-Type": mimeTypeSchema }), { "Content-Type": declared })["Content-Type"];
}

async function saveFileRow(env: Env, row: typeof files.$inferInsert) {
  const db = drizzle(env.DB);
  const [saved] = await db
    .insert(files)
    .values(row)
    .onConflictDoUpdate({
      target: [files.tenantId, files.id],
      set: {
        name: row.name,
        size: row.size,
        mimeType: row.mimeType,
        sha256: row.sha256,
        source: row.source,
        originUrl: row.originUrl ?? null,
      },
    })
    .returning();
  forgetFileMetadata(`${row.tenantId}/${row.id}`);
  forgetPullSource(row.tenantId, row.id);
  return saved as typeof files.$inferSelect;
}

/**
 * `PUT /admin/v1/files/:fileId`: streams the body into R2 while hashing it (SHA-256),
 * never holding the file in memory. Needs Content-Length (R2 needs a known length).
 */
export async function uploadFile(request: Request, env: Env, tenantId: string, rawFileId: string): Promise<Response> {
  const fileId = validFileId(rawFileId);
  const length = Number(request.headers.get("Content-Length") ?? "NaN");
  if (!Number.isSafeInteger(length) || length < 0 || !request.body) {
    throw new HttpError("bad_request", "Send the file with a Content-Length (or use multipart upload).", {}, [
      { path: "Content-Length", message: "required" },
    ]);
  }
  if (length > MAX_SINGLE_UPLOAD_BYTES) {
    throw new HttpError(
      "payload_too_large",
      `Single uploads are limited to ${MAX_SINGLE_UPLOAD_BYTES} bytes; use POST /admin/v1/files/${fileId}/uploads.`,
    );
  }
  const name = uploadName(request, fileId);
  const mimeType = uploadType(request, name);
  const [toR2, toHash] = request.body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = toHash.pipeTo(digest);
  let object: R2Object;
  try {
    object = await env.FILES.put(`${tenantId}/${fileId}`, toR2.pipeThrough(new FixedLengthStream(length)), {
      httpMetadata: { contentType: mimeType },
      customMetadata: { filename: name },
    });
    await hashing;
  } catch (error) {
    // FixedLengthStream fails when the body ends before (or runs past) its Content-Length:
    // the client's mistake or a dropped connection, and nothing was stored.
    console.warn("upload body did not match its Content-Length", error);
    throw new HttpError("bad_request", "The body did not match its Content-Length; nothing was stored.", {}, [
      { path: "Content-Length", message: "does not match the body" },
    ]);
  }
  const row = await saveFileRow(env, {
    tenantId,
    id: fileId,
    name,
    size: object.size,
    mimeType,
    sha256: hex(await digest.digest),
    source: "r2",
    originUrl: null,
  });
  return json(fileView(row), 201);
}

/** `POST /admin/v1/files/:fileId` with `{source_url}`: a pull-through file, fetched into R2 on first download. */
export async function registerFile(request: Request, env: Env, tenantId: string, rawFileId: string): Promise<Response> {
  const fileId = validFileId(rawFileId);
  const body = await readJson(request, registerFileSchema);
  const name = sanitizeFileName(body.name ?? (lastSegment(body.source_url) || fileId));
  const row = await saveFileRow(env, {
    tenantId,
    id: fileId,
    name,
    size: null,
    mimeType: body.mime_type ?? mimeTypeFor(name),
    sha256: null,
    source: "url",
    originUrl: body.source_url,
  });
  return json(fileView(row), 201);
}

async function findFile(env: Env, tenantId: string, fileId: string) {
  const [row] = await drizzle(env.DB)
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)))
    .limit(1);
  if (!row) throw new HttpError("not_found", `There is no file ${JSON.stringify(fileId)}.`);
  return row;
}

export async function getFile(env: Env, tenantId: string, fileId: string): Promise<Response> {
  return json(fileView(await findFile(env, tenantId, validFileId(fileId))));
}

/** Deletes the bytes and the row; links to it then answer 404 not_found. */
export async function deleteFile(env: Env, tenantId: string, rawFileId: string): Promise<Response> {
  const fileId = validFileId(rawFileId);
  await findFile(env, tenantId, fileId);
  await env.FILES.delete(`${tenantId}/${fileId}`);
  await drizzle(env.DB)
    .delete(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)));
  forgetFileMetadata(`${tenantId}/${fileId}`);
  forgetPullSource(tenantId, fileId);
  return new Response(null, { status: 204 });
}

// Multipart upload (R2 multipart: parts of ≥ 5 MiB except the last, up to 10,000 parts).

export async function startUpload(request: Request, env: Env, tenantId: string, rawFileId: string): Promise<Response> {
  const fileId = validFileId(rawFileId);
  const name = uploadName(request, fileId);
  const mimeType = uploadType(request, name);
  const upload = await env.FILES.createMultipartUpload(`${tenantId}/${fileId}`, {
    httpMetadata: { contentType: mimeType },
    customMetadata: { filename: name },
  });
  return json({ upload_id: upload.uploadId, file_id: fileId, name, mime_type: mimeType }, 201);
}

export async function uploadPart(
  request: Request,
  env: Env,
  tenantId: string,
  rawFileId: string,
  uploadId: string,
  rawPart: string,
): Promise<Response> {
  const fileId = validFileId(rawFileId);
  const partNumber = parseInput(z.object({ part_number: z.coerce.number().int().min(1).max(10000) }), {
    part_number: rawPart,
  }).part_number;
  const length = Number(request.headers.get("Content-Length") ?? "NaN");
  if (!Number.isSafeInteger(length) || length <= 0 || !request.body) {
    throw new HttpError("bad_request", "Send each part with a Content-Length.", {}, [
      { path: "Content-Length", message: "required" },
    ]);
  }
  if (length > MAX_SINGLE_UPLOAD_BYTES)
    throw new HttpError("payload_too_large", `A part is limited to ${MAX_SINGLE_UPLOAD_BYTES} bytes.`);
  const upload = env.FILES.resumeMultipartUpload(`${tenantId}/${fileId}`, uploadId);
  const part = await upload
    .uploadPart(partNumber, request.body.pipeThrough(new FixedLengthStream(length)))
    .catch((error: unknown) => {
      throw uploadError(error);
    });
  return json({ part_number: part.partNumber, etag: part.etag });
}

export async function completeUpload(
  request: Request,
  env: Env,
  tenantId: string,
  rawFileId: string,
  uploadId: string,
): Promise<Response> {
  const fileId = validFileId(rawFileId);
  const body = await readJson(request, completeUploadSchema);
  const upload = env.FILES.resumeMultipartUpload(`${tenantId}/${fileId}`, uploadId);
  const object = await upload
    .complete(body.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })))
    .catch((error: unknown) => {
      throw uploadError(error);
    });
  const name = object.customMetadata?.filename ?? fileId;
  const mimeType = object.httpMetadata?.contentType ?? mimeTypeFor(name);
  // The whole-file SHA-256 cannot be composed from parts, so it is computed by reading the object back once.
  const stored = await env.FILES.get(object.key);
  let sha256: string | null = null;
  if (stored) {
    const digest = new crypto.DigestStream("SHA-256");
    await stored.body.pipeTo(digest);
    sha256 = hex(await digest.digest);
  }
  const row = await saveFileRow(env, {
    tenantId,
    id: fileId,
    name,
    size: object.size,
    mimeType,
    sha256,
    source: "r2",
    originUrl: null,
  });
  return json(fileView(row), 201);
}

export async function abortUpload(env: Env, tenantId: string, rawFileId: string, uploadId: string): Promise<Response> {
  const fileId = validFileId(rawFileId);
  await env.FILES.resumeMultipartUpload(`${tenantId}/${fileId}`, uploadId)
    .abort()
    .catch((error: unknown) => {
      throw uploadError(error);
    });
  return new Response(null, { status: 204 });
}

/** R2 rejects unknown upload ids and bad part lists; those are the caller's mistakes, not outages. */
function uploadError(error: unknown): HttpError {
  const message = error instanceof Error ? error.message : String(error);
  if (/upload|part|etag|entity/i.test(message)) {
    return new HttpError("bad_request", `The upload was refused: ${message}`, {}, [{ path: "upload", message }]);
  }
  throw error;
}
