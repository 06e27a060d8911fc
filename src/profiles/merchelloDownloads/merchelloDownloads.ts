import { drizzle } from "drizzle-orm/d1";
import type { IRequest } from "itty-router";
import { z } from "zod";
import { customerId } from "../../auth/customerIdentity.ts";
import type { Env } from "../../env.ts";
import { HttpError, type ErrorCode } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { enforceRateLimit } from "../../http/rateLimit.ts";
import { readQuery } from "../../http/readJson.ts";
import { renderError } from "../../http/renderError.ts";
import { findOrder, loadOrderLinks } from "../../listings/orderRows.ts";
import { orderNumberSchema } from "../../orders/orderSchemas.ts";
import { clientAddress } from "../../policy/clientAddress.ts";
import { serveDownload } from "../../routes/download.ts";
import { cacheBusterShape } from "../../listings/customerListings.ts";
import { merchelloDownloads } from "./merchelloDownloadsListing.ts";
import { tenantWithProfile, type ProfileRoute } from "../profileRoute.ts";

/**
 * Profile `merchello-downloads` (seed 004): a CMS plugin's downloads API under
 * `/api/merchello/downloads` — download by token, the customer's links, an invoice's
 * links — every route behind the customer's sign-in. docs/profiles/merchello-downloads.md.
 */
const PROFILE = "merchello-downloads";
const BASE = "/api/merchello/downloads";

/**
 * The seed's statuses for `GET /{token}`: 401 not signed in, 403 download limit reached,
 * 404 invalid/expired token or missing file, 400 any other validation failure. A link of
 * another customer fails the system's token validation (ownership is part of it), so it
 * is a 404 too, which also keeps its existence private. The device limit is a download
 * limit for the front end ("Download limit reached"). Codes not listed (416, 412, 429,
 * 502, 503) keep their HTTP meaning.
 */
const SEED_STATUS: Partial<Record<ErrorCode, number>> = {
  auth_required: 401,
  limit_reached: 403,
  device_limit_reached: 403,
  invalid_token: 404,
  expired: 404,
  revoked: 404,
  forbidden: 404,
  not_found: 404,
  not_yet_valid: 400,
  pending: 400,
  ip_not_allowed: 400,
  bad_request: 400,
};

/** Our `{error, message}` body (or HTML page) with the seed's status instead of ours. */
function withSeedStatus(error: HttpError, request: Request): Response {
  const rendered = renderError(error, request, request.method === "HEAD");
  const status = SEED_STATUS[error.code] ?? error.status;
  return new Response(rendered.body, { status, headers: rendered.headers });
}

/** `GET /{token}`: rate limit per client address, sign-in, then the core download bound to that customer. */
async function downloadByToken(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response | undefined> {
  const tenant = await tenantWithProfile(request, env, PROFILE);
  if (!tenant) return undefined;
  try {
    // Before anything else, like the system's rate-limiting middleware; per store and address.
    await enforceRateLimit(
      env.DOWNLOAD_RATE_LIMIT,
      `${PROFILE}:${tenant.id}:${clientAddress(request.headers) ?? "unknown"}`,
    );
    // The seed checks sign-in first: 401 wins over a bad token. serveDownload then checks
    // that the token's `sub` is this same customer.
    await customerId(request, env, tenant);
    return await serveDownload({ request, env, ctx, token: request.params.token ?? "", requireCustomer: true });
  } catch (error) {
    if (error instanceof HttpError) return withSeedStatus(error, request);
    throw error;
  }
}

/** Strict like dlgate's own listings: an unknown parameter is 400 naming it; `_` (a cache-buster) is allowed. */
const customerQuerySchema = z.strictObject({
  includeExpired: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["", "true", "false"]))
    .optional(),
  ...cacheBusterShape,
});

/** `GET /customer?includeExpired=`: the signed-in customer's links, newest orders first. */
async function customerDownloads(request: IRequest, env: Env): Promise<Response | undefined> {
  const tenant = await tenantWithProfile(request, env, PROFILE);
  if (!tenant) return undefined;
  const customer = await customerId(request, env, tenant);
  const query = readQuery(request, customerQuerySchema);
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { customerId: customer });
  // A customer the store knows but who bought nothing gets [] (there is no customer table to 404 from).
  return json(await merchelloDownloads(tenant, rows, query.includeExpired === "true"));
}

/**
 * `GET /invoice/{invoiceId}`: one invoice's links, expired ones included (the order page
 * shows the whole purchase). The invoice id is the order number.
 */
async function invoiceDownloads(request: IRequest, env: Env): Promise<Response | undefined> {
  const tenant = await tenantWithProfile(request, env, PROFILE);
  if (!tenant) return undefined;
  const customer = await customerId(request, env, tenant);
  const invoiceId = orderNumberOf(request.params.invoiceId ?? "");
  const notFound = new HttpError("not_found", "There is no such invoice.");
  if (invoiceId === null) throw notFound;
  const db = drizzle(env.DB);
  const rows = await loadOrderLinks(db, tenant.id, { orderNumber: invoiceId });
  const owner = rows[0]?.order.customerId ?? (await findOrder(db, tenant.id, invoiceId))?.customerId;
  if (owner === undefined) throw notFound;
  if (owner !== customer) throw new HttpError("forbidden", "This invoice belongs to another customer.");
  return json(await merchelloDownloads(tenant, rows, true));
}

/** The decoded order number, or null when the path segment cannot be one (answered 404, like an unknown id). */
function orderNumberOf(segment: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return null;
  }
  return orderNumberSchema.safeParse(decoded).success ? decoded : null;
}

/** `/customer` before `/:token`, which would otherwise take "customer" for a token. */
export const merchelloDownloadsRoutes: ProfileRoute[] = [
  { method: "GET", path: `${BASE}/customer`, handler: customerDownloads },
  { method: "GET", path: `${BASE}/invoice/:invoiceId`, handler: invoiceDownloads },
  { method: "GET", path: `${BASE}/:token`, handler: downloadByToken },
];
