import { Router, type IRequest } from "itty-router";
import { authenticateAdmin, authenticateOperator } from "../../auth/authenticateAdmin.ts";
import type { Env } from "../../env.ts";
import { decodedParams, mountEndpoints, type AdminRequest } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { noBodySchema, noQuerySchema, readJson, readQuery } from "../../http/readJson.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { forgetTenant, tenantById } from "../../tenants/resolveTenant.ts";
import { createAdminKey, listAdminKeys, revokeAdminKey } from "./adminKeysApi.ts";
import {
  abortUpload,
  completeUpload,
  deleteFile,
  getFile,
  registerFile,
  startUpload,
  uploadFile,
  uploadPart,
} from "./filesApi.ts";
import { cancelOrder, completeOrder, createOrder, getOrder } from "./ordersApi.ts";
import { createSigningKey, listSigningKeys, retireSigningKey } from "./signingKeysApi.ts";
import { createTenant, getTenant, issueTenantAdminKey, listTenants, updateTenant } from "./tenantsApi.ts";

import { adminEndpoints } from "../endpoints.ts";

type Args = [Env, ExecutionContext];

/** A path parameter, percent-decoded (400 on malformed encoding). */
const p = (request: IRequest, name: string): string => decodedParams(request)[name] ?? "";

async function withOperator(request: IRequest, env: Env): Promise<void> {
  await authenticateOperator(request, env);
}

/** Resolves the admin key's tenant; every later route sees only that tenant's data. */
async function withTenant(request: IRequest, env: Env): Promise<void> {
  const tenantId = await authenticateAdmin(request, env);
  // Admin changes must be seen by this request's own reads (e.g. a key created just before).
  forgetTenant(tenantId);
  const tenant = await tenantById(env, tenantId);
  if (!tenant) throw new HttpError("auth_required", "The admin key's tenant no longer exists.");
  (request as AdminRequest).tenant = tenant;
}

const t = (request: IRequest): Tenant => (request as AdminRequest).tenant;

/**
 * Before a route that takes no query parameters: any is refused (400 naming it), so a
 * misspelt or misplaced option (`?limit=` on the wrong route) is never silently ignored.
 * Routes with a query validate it with their own strict schema (`readQuery`).
 */
function noQuery(request: IRequest, ..._args: Args): void {
  readQuery(request, noQuerySchema);
}

/** Before a POST that takes no body: fields sent to it (`{"keep_overrides": true}`) are refused, not ignored. */
async function noBody(request: IRequest, ..._args: Args): Promise<void> {
  await readJson(request, noBodySchema);
}

/** `/admin/v1/…`: the issuer API (docs/CONTRACT.md §9). Operator routes first, then tenant routes. */
export const adminRouter = Router<IRequest, Args>({ base: "/admin/v1" });

adminRouter
  .all("/tenants", withOperator)
  .all("/tenants/*", withOperator)
  .post("/tenants", noQuery, (r, env) => createTenant(r, env))
  .get("/tenants", noQuery, (r, env) => listTenants(r, env))
  .get("/tenants/:id", noQuery, (r, env) => getTenant(p(r, "id"), env))
  .patch("/tenants/:id", noQuery, (r, env) => updateTenant(r, env, p(r, "id")))
  .post("/tenants/:id/admin-keys", noQuery, (r, env) => issueTenantAdminKey(r, env, p(r, "id")))

  .all("*", withTenant)
  .put("/files/:fileId", (r, env) => uploadFile(r, env, t(r).id, p(r, "fileId")))
  .post("/files/:fileId", noQuery, (r, env) => registerFile(r, env, t(r).id, p(r, "fileId")))
  .get("/files/:fileId", noQuery, (r, env) => getFile(env, t(r).id, p(r, "fileId")))
  .delete("/files/:fileId", noQuery, (r, env) => deleteFile(env, t(r).id, p(r, "fileId")))
  .post("/files/:fileId/uploads", noBody, (r, env) => startUpload(r, env, t(r).id, p(r, "fileId")))
  .put("/files/:fileId/uploads/:uploadId/parts/:n", noQuery, (r, env) =>
    uploadPart(r, env, t(r).id, p(r, "fileId"), p(r, "uploadId"), p(r, "n")),
  )
  .post("/files/:fileId/uploads/:uploadId/complete", noQuery, (r, env) =>
    completeUpload(r, env, t(r).id, p(r, "fileId"), p(r, "uploadId")),
  )
  .delete("/files/:fileId/uploads/:uploadId", noQuery, (r, env) =>
    abortUpload(env, t(r).id, p(r, "fileId"), p(r, "uploadId")),
  )

  .post("/orders", noQuery, (r, env) => createOrder(r, env, t(r)))
  .get("/orders/:number", noQuery, (r, env) => getOrder(r, env, t(r), p(r, "number")))
  .post("/orders/:number/complete", noQuery, noBody, (r, env) => completeOrder(r, env, t(r), p(r, "number")))
  .post("/orders/:number/cancel", noQuery, noBody, (r, env) => cancelOrder(r, env, t(r), p(r, "number")))

  .post("/keys", noQuery, (r, env) => createSigningKey(r, env, t(r).id))
  .get("/keys", noQuery, (_r, env) => listSigningKeys(env, t(_r).id))
  .delete("/keys/:kid", noQuery, (r, env) => retireSigningKey(env, t(r).id, p(r, "kid")))

  .post("/admin-keys", noQuery, (r, env) => createAdminKey(r, env, t(r).id))
  .get("/admin-keys", noQuery, (r, env) => listAdminKeys(env, t(r).id))
  .delete("/admin-keys/:id", noQuery, (r, env) => revokeAdminKey(env, t(r).id, p(r, "id")));

mountEndpoints(adminRouter, adminEndpoints);
