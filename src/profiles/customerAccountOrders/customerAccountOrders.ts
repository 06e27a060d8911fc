import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { enforceAccessKeyLookupLimit } from "../../http/rateLimit.ts";
import { linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { isAccessKey } from "../../listings/accessKey.ts";
import { fileSources } from "../../listings/fileSources.ts";
import { loadOrderLinks } from "../../listings/orderRows.ts";
import { PROFILE_DOC, readOnly } from "../profileEndpoint.ts";
import { accountOrder, accountOrderSchema } from "./customerAccountOrdersView.ts";

const PROFILE = "customer-account-orders";
const PATH = "/api/v2/customer-account-orders";

/**
 * Seed 002, `GET /api/v2/customer-account-orders?id=<access key>`: one order's download
 * assets with no login — the unguessable access key is the credential. The query is read
 * as the system reads it (`id`, other parameters ignored), so it is not validated here.
 */
export const customerAccountOrders = defineEndpoint({
  method: "get",
  path: PATH,
  access: "profile",
  profile: PROFILE,
  operationId: "customerAccountOrders",
  ...PROFILE_DOC,
  summary: "Seed 002: one order's download assets by its access key",
  anyQuery: true,
  lenientQuery: z.object({
    id: z.string().meta({
      description:
        "The order's access key (`access_key` of `POST /admin/v1/orders`). Missing or empty: 400; unknown: 404. " +
        "Other parameters are ignored and a repeated `id` is read first, as the seed's system reads its query.",
    }),
  }),
  responses: { 200: { description: "The order's assets, by item", schema: accountOrderSchema } },
  errors: ["bad_request", "not_found", "rate_limited"],
  async handle({ request, env, tenant }) {
    // Every lookup counts, before the answer is known: a limit applied only to misses would
    // still tell an over-limit guesser which of its guesses hit (200 vs 429), and the
    // binding has no read-only check. 20 a minute per address is far above what a customer
    // reloading an order page needs; misses past it cost no D1 query.
    await enforceAccessKeyLookupLimit(env, request);

    const id = new URL(request.url).searchParams.get("id");
    if (id === null || id === "")
      throw new HttpError("bad_request", "Give the order's id in the `id` query parameter.", {}, [
        { path: "id", message: "required" },
      ]);
    const notFound = new HttpError("not_found", "There is no order with this id.");
    if (!isAccessKey(id)) throw notFound;

    const db = drizzle(env.DB);
    const rows = await loadOrderLinks(db, tenant.id, { accessKey: id });
    const sources = await fileSources(
      db,
      tenant.id,
      rows.map((row) => row.link.fileId),
    );
    const body = await accountOrder(tenant, await linkBaseUrl(env, tenant, request), rows, sources);
    if (!body) throw notFound;
    return json(body);
  },
});

/** Read-only, so any other method is 405 with `Allow: GET`. */
export const customerAccountOrdersEndpoints = [
  customerAccountOrders,
  readOnly(PROFILE, PATH, "customerAccountOrdersOther"),
];
