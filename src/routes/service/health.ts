import { defineEndpoint } from "../../http/endpoint.ts";
import { json } from "../../http/json.ts";
import { healthSchema } from "../schemas.ts";

/** `GET /healthz`: liveness; touches no binding, so it answers while D1 or R2 are down. */
export const health = defineEndpoint({
  method: "get",
  path: "/healthz",
  access: "public",
  operationId: "health",
  tags: ["Service"],
  summary: "Liveness",
  anyQuery: true,
  responses: { 200: { description: "Alive", schema: healthSchema } },
  errors: [],
  handle: () => json({ ok: true, service: "dlgate" }),
});
