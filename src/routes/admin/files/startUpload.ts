import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { uploadStartedSchema } from "./fileSchemas.ts";
import { randomToken } from "../../../utils/encoding.ts";
import { issueUploadId, UPLOAD_NONCE_METADATA } from "./multipartUpload.ts";
import { uploadHeaders, uploadName, uploadQuerySchema, uploadType } from "./uploadInput.ts";

/** The file's name and type are fixed here; its parts follow, then the complete call. */
export const startUpload = defineEndpoint({
  method: "post",
  path: "/files/:fileId/uploads",
  access: "admin",
  operationId: "startUpload",
  tags: ["Issuer: files"],
  summary: "Start a multipart upload (parts of at least 5 MiB except the last, up to 10,000)",
  params: fileParams,
  paramNames: fileParamNames,
  query: uploadQuerySchema,
  headers: uploadHeaders,
  body: "none",
  responses: { 201: { description: "Started", schema: uploadStartedSchema } },
  errors: [],
  async handle({ request, env, tenant, params, query }) {
    const { fileId } = params;
    const name = uploadName(request, query.name, fileId);
    const mimeType = uploadType(request, name);
    const nonce = randomToken(12);
    const upload = await env.FILES.createMultipartUpload(`${tenant.id}/${fileId}`, {
      httpMetadata: { contentType: mimeType },
      customMetadata: { filename: name, [UPLOAD_NONCE_METADATA]: nonce },
    });
    const uploadId = await issueUploadId(env, tenant.id, fileId, upload.uploadId, nonce);
    return json({ upload_id: uploadId, file_id: fileId, name, mime_type: mimeType }, 201);
  },
});
