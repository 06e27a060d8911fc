import { defineEndpoint } from "../../http/endpoint.ts";
import { BENCH_ROUTE, benchOnly, serveBenchListingFloor } from "./benchBaseline.ts";

/** `GET /__bench/listing/:tenant[?order=<number>]`: the customer listings' floor, without signing. */
export const benchListingFloor = defineEndpoint({
  method: "get",
  path: "/__bench/listing/:tenant",
  ...BENCH_ROUTE,
  operationId: "benchListingFloor",
  summary: "Bench floor of the listings: rows without signed URLs (BENCH_BASELINE=1 only)",
  responses: { 200: { description: "Each listed link, without its URL" } },
  errors: ["auth_required", "forbidden", "not_found"],
  handle: ({ request, env, pathTenant }) =>
    benchOnly(env, () => serveBenchListingFloor(request, env, pathTenant ?? "")),
});
