import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { json } from "../../http/json.ts";
import { openApiDocument } from "../openapi.ts";

/** `GET /openapi.json`: the document built from src/routes/endpoints.ts (src/routes/openapi.ts). */
export const openApi = defineEndpoint({
  method: "get",
  path: "/openapi.json",
  access: "public",
  operationId: "openApi",
  tags: ["Service"],
  summary: "This document",
  anyQuery: true,
  responses: { 200: { description: "OpenAPI 3.1 document", schema: z.record(z.string(), z.unknown()) } },
  errors: [],
  handle: () => json(openApiDocument()),
});
