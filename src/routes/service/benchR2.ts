import { z } from "zod";
import { defineEndpoint } from "../../http/endpoint.ts";
import { serveBenchBaseline } from "./benchBaseline.ts";

/** `GET /__bench/r2/:tenant/:file`: the bench's baseline, an R2 read with no checks (benchBaseline.ts). */
export const benchR2 = defineEndpoint({
  method: "get",
  path: "/__bench/r2/:tenant/:file",
  access: "public",
  operationId: "benchR2",
  tags: ["Service"],
  summary: "Bench baseline: the R2 object, no checks (BENCH_BASELINE=1 only)",
  params: z.object({ file: z.string() }),
  rawParams: true,
  anyQuery: true,
  undocumented: true,
  refuseOtherMethods: false,
  responses: { 200: { description: "The object's bytes" } },
  errors: ["not_found"],
  handle: ({ env, params, pathTenant }) => serveBenchBaseline(env, pathTenant ?? "", params.file),
});
