import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { files } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { findFile, forgetFile } from "./fileRecord.ts";

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
    const key = `${tenant.id}/${fileId}`;
    await env.FILES.delete(key);
    await drizzle(env.DB)
      .delete(files)
      .where(and(eq(files.tenantId, tenant.id), eq(files.id, fileId)));
    // Again after the row: a pull that stored its bytes in between (its size check still saw
    // the row) must not leave the deleted file downloadable.
    await env.FILES.delete(key);
    forgetFile(tenant.id, fileId);
    return new Response(null, { status: 204 });
  },
});
