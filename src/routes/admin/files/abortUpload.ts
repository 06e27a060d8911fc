import { defineEndpoint } from "../../../http/endpoint.ts";
import { fileParamNames, uploadParams } from "./fileParams.ts";
import { multipartUpload, refusedAsBadRequest } from "./multipartUpload.ts";

/** Drops the parts stored so far; the upload id then takes no more parts and cannot complete. */
export const abortUpload = defineEndpoint({
  method: "delete",
  // A field sent along is refused, not ignored while the delete goes ahead.
  body: "none",
  path: "/files/:fileId/uploads/:uploadId",
  access: "admin",
  operationId: "abortUpload",
  tags: ["Issuer: files"],
  summary: "Abort a multipart upload",
  params: uploadParams,
  paramNames: fileParamNames,
  responses: { 204: { description: "Done; no body" } },
  errors: [],
  async handle({ env, tenant, params }) {
    const upload = await multipartUpload(env, tenant.id, params.fileId, params.uploadId);
    await refusedAsBadRequest(upload.r2.abort());
    return new Response(null, { status: 204 });
  },
});
