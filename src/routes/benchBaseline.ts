import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { linkStub } from "../links/linkStub.ts";

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

/**
 * `GET /__bench/r2-after-link/:tenant/:link/:file`: one read-only call to the link's
 * Durable Object (its snapshot; nothing counted, nothing logged), then the baseline. The
 * bench measures it as the floor for any design that asks a per-link Durable Object
 * before serving: what that round trip alone costs on the machine at hand.
 */
export async function serveBenchLinkFloor(env: Env, tenant: string, link: string, file: string): Promise<Response> {
  if (env.BENCH_BASELINE !== "1") throw new HttpError("not_found", "No such route.");
  await linkStub(env, tenant, link).snapshot();
  return serveBenchBaseline(env, tenant, file);
}
