import { defineEndpoint } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { masterKeyProblem } from "../../tenants/secretBox.ts";
import { healthSchema } from "../schemas.ts";

/**
 * `GET /healthz`: liveness, and whether the deployment's MASTER_KEY has its form (set, base64
 * of 32 bytes). Without it no tenant's keys open and no tenant can be created, which would
 * otherwise show only as 503s and 403s; a monitor or the operator sees it here. Touches no
 * binding, so it answers while D1 or R2 are down.
 */
export const health = defineEndpoint({
  method: "get",
  path: "/healthz",
  access: "public",
  operationId: "health",
  tags: ["Service"],
  summary: "Liveness, and the MASTER_KEY secret's form",
  anyQuery: true,
  responses: { 200: { description: "Alive", schema: healthSchema } },
  // 503 `unavailable`, its message naming what is wrong with the deployment.
  errors: ["unavailable"],
  handle: ({ env }) => {
    const problem = masterKeyProblem(env.MASTER_KEY);
    if (problem) throw new HttpError("unavailable", `The deployment is misconfigured: ${problem}.`);
    return json({ ok: true, service: "dlgate" });
  },
});
