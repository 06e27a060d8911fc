import { Router, type IRequest } from "itty-router";
import { authenticateAdmin, authenticateOperator } from "../../auth/authenticateAdmin.ts";
import type { Env } from "../../env.ts";
import { mountEndpoints, type AdminRequest } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { assertLinksCanPointHere } from "../../links/mintDownloadUrl.ts";
import { forgetTenant, tenantById } from "../../tenants/resolveTenant.ts";
import { adminEndpoints, operatorEndpoints } from "../endpoints.ts";

type Args = [Env, ExecutionContext];

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

/**
 * The order calls write and then answer with download URLs: on another store's host, for a
 * store with neither a host nor a `public_url`, no URL could open, so they are refused before
 * anything is written. Every other call works from any host (reads that show URLs refuse on
 * their own, writing nothing).
 */
async function withLinkAddress(request: IRequest, env: Env): Promise<void> {
  await assertLinksCanPointHere(env, (request as AdminRequest).tenant, request);
}

/**
 * `/admin/v1/…`: the issuer API (docs/CONTRACT.md §9). Each gate runs before any route of
 * its scope, so even an unknown path demands credentials first: the operator's for
 * `/tenants…`, else a tenant's admin key.
 */
export const adminRouter = Router<IRequest, Args>({ base: "/admin/v1" });

// A known path asked with a method it does not take is 405 with Allow (docs/CONTRACT.md §7),
// after the gate: without credentials nothing is said about which paths exist.
adminRouter.all("/tenants", withOperator).all("/tenants/*", withOperator);
mountEndpoints(adminRouter, operatorEndpoints, { refuseOtherMethods: true, corsPreflight: false });
adminRouter.all("*", withTenant);
adminRouter.post("/orders", withLinkAddress).post("/orders/:number/*", withLinkAddress);
mountEndpoints(adminRouter, adminEndpoints, { refuseOtherMethods: true, corsPreflight: false });
