import { drizzle } from "drizzle-orm/d1";
import type { IRequest } from "itty-router";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { enforceRateLimit } from "../../http/rateLimit.ts";
import { linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { fileSources } from "../../listings/fileSources.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { clientAddress } from "../../policy/clientAddress.ts";
import { accountOrder } from "./customerAccountOrdersView.ts";
import { tenantWithProfile, type ProfileRoute } from "../profileRoute.ts";

/** Access keys the issuer API makes are 32 base64url characters; accept any sane key shape. */
const ACCESS_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Seed 002, `GET /api/v2/customer-account-orders?id=<access key>`: one order's download
 * assets with no login — the unguessable access key is the credential. Answers undefined
 * (→ origin proxy / 404) when the Host's tenant has not enabled the profile.
 */
export async function customerAccountOrders(request: IRequest, env: Env): Promise<Response | undefined> {
  const tenant = await tenantWithProfile(request, env, "customer-account-orders");
  if (!tenant) return undefined;
  if (request.method !== "GET")
    throw new HttpError("method_not_allowed", "This API is read-only: only GET is allowed.", { Allow: "GET" });

  // Every lookup counts, before the answer is known: a limit applied only to misses would
  // still tell an over-limit guesser which of its guesses hit (200 vs 429), and the
  // binding has no read-only check. 20 a minute per address is far above what a customer
  // reloading an order page needs; misses past it cost no D1 query.
  await enforceRateLimit(
    env.LOOKUP_RATE_LIMIT,
    `customer-account-orders:${clientAddress(request.headers) ?? "unknown"}`,
  );

  const id = new URL(request.url).searchParams.get("id");
  if (id === null || id === "")
    throw new HttpError("bad_request", "Give the order's id in the `id` query parameter.", {}, [
      { path: "id", message: "required" },
    ]);
  const notFound = new HttpError("not_found", "There is no order with this id.");
  if (!ACCESS_KEY.test(id)) throw notFound;

  const db = drizzle(env.DB);
  const rows = await loadOrderLinks(db, tenant.id, { accessKey: id });
  const sources = await fileSources(
    db,
    tenant.id,
    rows.map((row) => row.link.fileId),
  );
  const body = await accountOrder(tenant, linkBaseUrl(tenant, request), rows, sources);
  if (!body) throw notFound;
  return json(body);
}

export const customerAccountOrdersRoute: ProfileRoute = {
  method: "ALL",
  path: "/api/v2/customer-account-orders",
  handler: customerAccountOrders,
};
