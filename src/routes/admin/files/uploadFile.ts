import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { fileView, saveFile } from "./fileRecord.ts";
import { fileSchema } from "./fileSchemas.ts";
import { hashingStream } from "./sha256Of.ts";
import {
  MAX_SINGLE_UPLOAD_BYTES,
  sizedBody,
  sizedHeaders,
  streamedBytes,
  uploadHeaders,
  uploadName,
  uploadQuerySchema,
  uploadType,
} from "./uploadInput.ts";

/**
 * Streams the body into R2 through a hash (SHA-256), never holding the file in memory.
 * Needs Content-Length (R2 needs a known length).
 */
export const uploadFile = defineEndpoint({
  method: "put",
  path: "/files/:fileId",
  access: "admin",
  operationId: "uploadFile",
  tags: ["Issuer: files"],
  summary: "Upload a file (streamed to R2; size and SHA-256 recorded). Larger files: multipart upload",
  params: fileParams,
  paramNames: fileParamNames,
  query: uploadQuerySchema,
  headers: uploadHeaders.extend(sizedHeaders.shape),
  body: streamedBytes,
  responses: { 201: { description: "Stored", schema: fileSchema } },
  errors: ["bad_request", "payload_too_large"],
  async handle({ request, env, tenant, params, query }) {
    const { fileId } = params;
    const { body, length } = sizedBody(request, {
      min: 0,
      missing: "Send the file with a Content-Length (or use multipart upload).",
      tooLarge: `Single uploads are limited to ${MAX_SINGLE_UPLOAD_BYTES} bytes; use POST /admin/v1/files/${fileId}/uploads.`,
    });
    const name = uploadName(request, query.name, fileId);
    const mimeType = uploadType(request, name);
    const hashing = hashingStream();
    // A rejected hash (the body broke off) is the put's failure too, handled below.
    hashing.sha256.catch(() => {});
    let object: R2Object;
    let sha256: string;
    try {
      const stored = body.pipeThrough(hashing.stream).pipeThrough(new FixedLengthStream(length));
      object = await env.FILES.put(`${tenant.id}/${fileId}`, stored, {
        httpMetadata: { contentType: mimeType },
        customMetadata: { filename: name },
      });
      sha256 = await hashing.sha256;
    } catch (error) {
      // FixedLengthStream fails when the body ends before (or runs past) its Content-Length:
      // the client's mistake or a dropped connection, and nothing was stored.
      console.warn("upload body did not match its Content-Length", error);
      throw new HttpError("bad_request", "The body did not match its Content-Length; nothing was stored.", {}, [
        { path: "Content-Length", message: "does not match the body" },
      ]);
    }
    const fields = { name, size: object.size, mimeType, sha256, source: "r2", originUrl: null } as const;
    return json(fileView(await saveFile(env, tenant.id, fileId, fields)), 201);
  },
});
