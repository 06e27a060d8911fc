import { defineEndpoint } from "../../../http/endpoint.ts";
import { json } from "../../../http/json.ts";
import { fileParamNames, fileParams } from "./fileParams.ts";
import { fileView, findFile } from "./fileRecord.ts";
import { fileSchema } from "./fileSchemas.ts";

export const getFile = defineEndpoint({
  method: "get",
  path: "/files/:fileId",
  access: "admin",
  operationId: "getFile",
  tags: ["Issuer: files"],
  summary: "One file",
  params: fileParams,
  paramNames: fileParamNames,
  responses: { 200: { description: "The file", schema: fileSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    return json(fileView(await findFile(env, tenant.id, params.fileId)));
  },
});
