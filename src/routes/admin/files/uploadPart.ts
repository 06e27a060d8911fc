import { decimalInteger } from "../../../http/textInput.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { fileParamNames, uploadParams } from "./fileParams.ts";
import { uploadedPartSchema } from "./fileSchemas.ts";
import { multipartUpload, refusedAsBadRequest } from "./multipartUpload.ts";
import { MAX_SINGLE_UPLOAD_BYTES, sizedBody, sizedHeaders, streamedBytes } from "./uploadInput.ts";

const partParams = uploadParams.extend({
  n: decimalInteger(1, 10000, "Part number"),
});

/** Streams one part into R2; its etag goes back in the complete call. */
export const uploadPart = defineEndpoint({
  method: "put",
  path: "/files/:fileId/uploads/:uploadId/parts/:n",
  access: "admin",
  operationId: "uploadPart",
  tags: ["Issuer: files"],
  summary: "Upload one part",
  params: partParams,
  paramNames: { ...fileParamNames, n: "part_number" },
  headers: sizedHeaders,
  body: streamedBytes,
  responses: { 200: { description: "Stored part", schema: uploadedPartSchema } },
  errors: ["bad_request", "payload_too_large"],
  async handle({ request, env, tenant, params }) {
    const { body, length } = sizedBody(request, {
      min: 1,
      missing: "Send each part with a Content-Length.",
      tooLarge: `A part is limited to ${MAX_SINGLE_UPLOAD_BYTES} bytes.`,
    });
    const upload = await multipartUpload(env, tenant.id, params.fileId, params.uploadId);
    const part = await refusedAsBadRequest(
      upload.r2.uploadPart(params.n, body.pipeThrough(new FixedLengthStream(length))),
    );
    return json({ part_number: part.partNumber, etag: part.etag });
  },
});
