import { z } from "zod";
import { urlWithoutUserInfo } from "../../../http/urlInput.ts";
import { sanitizeFileName } from "../../../files/contentDisposition.ts";
import { mimeTypeFor } from "../../../files/mimeType.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { fileNameSchema, mimeTypeSchema } from "../../../http/textInput.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { fileView, saveFile, withStoredBytesDropped } from "./fileRecord.ts";
import { fileSchema } from "./fileSchemas.ts";

const registerFileSchema = z
  .strictObject({
    source_url: urlWithoutUserInfo(/^https$/).meta({
      description:
        "https only; fetched into R2 on first download, never shown to customers. Redirects are followed only " +
        "to https URLs, at most 5; any other is 502 origin_error",
    }),
    name: fileNameSchema.optional(),
    mime_type: mimeTypeSchema.optional(),
  })
  .meta({ id: "RegisterFile" });

/**
 * A pull-through file: its bytes stay at `source_url` until its first download fetches them
 * into R2. Registering over a stored file (uploaded, or pulled from an earlier URL) drops
 * its bytes first, so the next download fetches the new URL instead of serving the old
 * version forever under the new name. Dropped before the row is written: if the row write
 * fails, a retry of the registration repairs it, where the other order would leave the old
 * bytes served.
 */
export const registerFile = defineEndpoint({
  method: "post",
  path: "/files/:fileId",
  access: "admin",
  operationId: "registerFile",
  tags: ["Issuer: files"],
  summary: "Register a pull-through file: fetched from source_url into R2 on its first download",
  params: fileParams,
  paramNames: fileParamNames,
  body: registerFileSchema,
  responses: { 201: { description: "Registered", schema: fileSchema } },
  errors: [],
  async handle({ env, tenant, params, body }) {
    const name = sanitizeFileName(body.name ?? (lastSegment(body.source_url) || params.fileId));
    const fields = {
      name,
      size: null,
      mimeType: body.mime_type ?? mimeTypeFor(name),
      sha256: null,
      source: "url",
      originUrl: body.source_url,
    } as const;
    const saved = await withStoredBytesDropped(env, tenant.id, params.fileId, () =>
      saveFile(env, tenant.id, params.fileId, fields),
    );
    return json(fileView(saved), 201);
  },
});

/** The last path segment of a URL, decoded when it is valid percent-encoding, else as it is. */
function lastSegment(url: string): string {
  const segment = new URL(url).pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
