import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { BENCH_ROUTE, benchOnly, serveBenchLinkFloor } from "./benchBaseline.ts";

/** `GET /__bench/r2-after-link/:tenant/:link/:file`: the baseline after one read of the link's Durable Object. */
export const benchLinkFloor = defineEndpoint({
  method: "get",
  path: "/__bench/r2-after-link/:tenant/:link/:file",
  ...BENCH_ROUTE,
  operationId: "benchLinkFloor",
  summary: "Bench floor: one link snapshot, then the R2 object (BENCH_BASELINE=1 only)",
  params: z.object({ link: z.string(), file: z.string() }),
  responses: { 200: { description: "The object's bytes" } },
  errors: ["not_found"],
  handle: ({ env, params, pathTenant }) =>
    benchOnly(env, () => serveBenchLinkFloor(env, pathTenant ?? "", params.link, params.file)),
});
