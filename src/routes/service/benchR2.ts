import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { BENCH_ROUTE, benchOnly, serveBenchBaseline } from "./benchBaseline.ts";

/** `GET /__bench/r2/:tenant/:file`: the bench's baseline, an R2 read with no checks (benchBaseline.ts). */
export const benchR2 = defineEndpoint({
  method: "get",
  path: "/__bench/r2/:tenant/:file",
  ...BENCH_ROUTE,
  operationId: "benchR2",
  summary: "Bench baseline: the R2 object, no checks (BENCH_BASELINE=1 only)",
  params: z.object({ file: z.string() }),
  responses: { 200: { description: "The object's bytes" } },
  errors: ["not_found"],
  handle: ({ env, params, pathTenant }) => benchOnly(env, () => serveBenchBaseline(env, pathTenant ?? "", params.file)),
});
