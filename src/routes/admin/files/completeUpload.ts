import { z } from "zod";
import { mimeTypeFor } from "../../../files/mimeType.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { fileParamNames, uploadParams } from "./fileParams.ts";
import { fileView, saveFile } from "./fileRecord.ts";
import { fileSchema } from "./fileSchemas.ts";
import { multipartUpload, refusedAsBadRequest, UPLOAD_NONCE_METADATA } from "./multipartUpload.ts";
import { sha256Of } from "./sha256Of.ts";

const completeUploadSchema = z
  .strictObject({
    parts: z
      .array(z.strictObject({ part_number: z.number().int().min(1).max(10000), etag: z.string().min(1) }))
      .min(1)
      .max(10000)
      // R2 answers a repeated part only with an internal error: refused here, naming it.
      .superRefine((parts, issues) => {
        const seen = new Set<number>();
        parts.forEach((part, index) => {
          if (seen.has(part.part_number))
            issues.addIssue({ code: "custom", path: [index, "part_number"], message: "this part is already listed" });
          seen.add(part.part_number);
        });
      }),
  })
  .meta({ id: "CompleteUpload" });

/** Joins the parts into the file; only now does it exist for orders and downloads. */
export const completeUpload = defineEndpoint({
  method: "post",
  path: "/files/:fileId/uploads/:uploadId/complete",
  access: "admin",
  operationId: "completeUpload",
  tags: ["Issuer: files"],
  summary: "Complete a multipart upload",
  params: uploadParams,
  paramNames: fileParamNames,
  body: completeUploadSchema,
  responses: { 201: { description: "Stored", schema: fileSchema } },
  errors: [],
  async handle({ env, tenant, params, body }) {
    const { fileId } = params;
    const upload = await multipartUpload(env, tenant.id, fileId, params.uploadId);
    const parts = body.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag }));
    let object: R2Object;
    try {
      object = await refusedAsBadRequest(upload.r2.complete(parts));
    } catch (error) {
      // A retry of a complete that went through (its answer lost on the way): R2 knows the
      // upload no more, but the object carries this upload's nonce, so the file is finished
      // (recorded again, idempotently) rather than refused.
      const stored = await env.FILES.head(`${tenant.id}/${fileId}`);
      if (stored?.customMetadata?.[UPLOAD_NONCE_METADATA] !== upload.nonce) throw error;
      object = stored;
    }
    const name = object.customMetadata?.filename ?? fileId;
    const mimeType = object.httpMetadata?.contentType ?? mimeTypeFor(name);
    // The whole-file SHA-256 cannot be composed from parts, so it is computed by reading the object back once.
    const stored = await env.FILES.get(object.key);
    const sha256 = stored ? await sha256Of(stored.body) : null;
    const fields = { name, size: object.size, mimeType, sha256, source: "r2", originUrl: null } as const;
    return json(fileView(await saveFile(env, tenant.id, fileId, fields)), 201);
  },
});
