import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";

/**
 * `GET /__bench/r2/:tenant/:file` streams an R2 object with no checks at all: the
 * baseline `npm run bench` compares the gateway against. Only routed when the
 * BENCH_BASELINE var is "1" (the bench's own wrangler config); 404 everywhere else.
 */
export async function serveBenchBaseline(env: Env, tenant: string, file: string): Promise<Response> {
  if (env.BENCH_BASELINE !== "1") throw new HttpError("not_found", "No such route.");
  const object = await env.FILES.get(`${tenant}/${file}`);
  if (!object) throw new HttpError("not_found", "No such object.");
  return new Response(object.body, {
    headers: { "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream", ETag: object.httpEtag },
  });
}
