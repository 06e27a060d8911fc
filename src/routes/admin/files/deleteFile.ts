import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { findFile, forgetFile, withStoredBytesDropped } from "./fileRecord.ts";

/** Deletes the bytes and the row; links to it then answer 404 not_found. */
export const deleteFile = defineEndpoint({
  method: "delete",
  // A field sent along is refused, not ignored while the delete goes ahead.
  body: "none",
  path: "/files/:fileId",
  access: "admin",
  operationId: "deleteFile",
  tags: ["Issuer: files"],
  summary: "Delete a file's bytes and record; its links then answer 404",
  params: fileParams,
  paramNames: fileParamNames,
  responses: { 204: { description: "Done; no body" } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const { fileId } = params;
    await findFile(env, tenant.id, fileId);
    await withStoredBytesDropped(env, tenant.id, fileId, () =>
      drizzle(env.DB)
        .delete(files)
        .where(and(eq(files.tenantId, tenant.id), eq(files.id, fileId))),
    );
    forgetFile(tenant.id, fileId);
    return new Response(null, { status: 204 });
  },
});
