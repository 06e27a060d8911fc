// The bench's own Worker (bench/worker/wrangler.toml; `npm run bench` only, never deployed).
//
//   GET /r2/:key              the object, no checks (this process's bare R2 baseline)
//   GET /read/:link/:key      one read of the link's FloorCounter, then the same stream
//   GET /upsert/:link/:key    one counter upsert on the link's FloorCounter, then the same stream
//   PUT /r2/:key              seeds an object (the bench's setup step)
//   GET /profile/:step?n=     repeats one step of the gateway's download path n times
//   GET /stream/:variant/:key/:link  the object sent one of the ways of streamVariants.ts
//
// Both floors start the R2 read before the Durable Object call and await it after, as
// the gateway does: the least a counting design must do, done as cheaply as it can be.
import { DownloadLink, type AdmitRequest } from "../../src/links/DownloadLink.ts";
import { FloorCounter } from "./FloorCounter.ts";
import { LISTING_STEPS, profileListingStep, type ListingStep } from "./listingSteps.ts";
import { IN_OBJECT_STEPS, ProfileLink, type InObjectStep } from "./ProfileLink.ts";
import { WORKER_STEPS, profileWorkerStep, sampleRequest, type WorkerStep } from "./profileSteps.ts";
import { STREAM_VARIANTS, profileStreamVariant, streamVariant, type StreamVariant } from "./streamVariants.ts";

export { DownloadLink, FloorCounter, ProfileLink };

export interface BenchEnv {
  FILES: R2Bucket;
  DB: D1Database;
  FLOOR_COUNTER: DurableObjectNamespace<FloorCounter>;
  DOWNLOAD_LINK: DurableObjectNamespace<DownloadLink>;
  PROFILE_LINK: DurableObjectNamespace<ProfileLink>;
}

/** Steps that call a Durable Object once per iteration (round trip and commit included). */
const CALL_STEPS = [
  "rpc-noop",
  "rpc-echo",
  "rpc-read",
  "rpc-upsert",
  "link-snapshot",
  "link-admit",
  "link-admit-finish",
  "link-first-use",
] as const;
type CallStep = (typeof CALL_STEPS)[number];

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const [route, ...rest] = url.pathname.slice(1).split("/");
    if (route === "r2" && request.method === "PUT" && rest.length === 1) {
      await env.FILES.put(rest[0]!, await request.arrayBuffer());
      return new Response(null, { status: 201 });
    }
    if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
    if (route === "r2" && rest.length === 1) return stream(await env.FILES.get(rest[0]!));
    if ((route === "read" || route === "upsert") && rest.length === 2) {
      const body = env.FILES.get(rest[1]!);
      body.catch(() => {});
      const counter = env.FLOOR_COUNTER.getByName(rest[0]!);
      await (route === "upsert" ? counter.upsert() : counter.read());
      return stream(await body);
    }
    if (route === "stream" && rest.length === 3 && (STREAM_VARIANTS as readonly string[]).includes(rest[0]!)) {
      return streamVariant(env, ctx, rest[0] as StreamVariant, rest[1]!, rest[2]!);
    }
    if (route === "count" && rest.length === 1) {
      return Response.json({ n: await env.FLOOR_COUNTER.getByName(rest[0]!).read() });
    }
    if (route === "profile" && rest.length === 1) {
      const n = Number(url.searchParams.get("n") ?? "1000");
      if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) return new Response("bad n", { status: 400 });
      const step = rest[0]!;
      const started = Date.now();
      const sink = await profile(env, step, n, url.searchParams.get("run") ?? "0");
      if (sink === null) return new Response(`unknown step ${step}`, { status: 404 });
      // Date.now() only moves on I/O inside workerd: the wall figure here is coarse; the
      // bench reads the process's CPU time around this request instead.
      return Response.json({ step, n, sink, wallMs: Date.now() - started });
    }
    return new Response("no such bench route", { status: 404 });
  },
};

function stream(object: R2ObjectBody | null): Response {
  if (!object) return new Response("no such object", { status: 404 });
  return new Response(object.body, {
    headers: { "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream", ETag: object.httpEtag },
  });
}

async function profile(env: BenchEnv, step: string, n: number, run: string): Promise<number | null> {
  if ((WORKER_STEPS as readonly string[]).includes(step)) return profileWorkerStep(env, step as WorkerStep, n);
  const variant = step.startsWith("s64-") ? step.slice(4) : "";
  if ((STREAM_VARIANTS as readonly string[]).includes(variant))
    return profileStreamVariant(env, variant as StreamVariant, n);
  if ((LISTING_STEPS as readonly string[]).includes(step)) return profileListingStep(step as ListingStep, n);
  if ((CALL_STEPS as readonly string[]).includes(step)) return profileCalls(env, step as CallStep, n, run);
  const inObject = step.startsWith("do-") ? step.slice(3) : "";
  if ((IN_OBJECT_STEPS as readonly string[]).includes(inObject)) {
    const request = await sampleRequest(`p-${run}-${inObject}`);
    return env.PROFILE_LINK.getByName(`bench/p-${run}-${inObject}`).profile(inObject as InObjectStep, n, request);
  }
  return null;
}

/** n sequential calls, one object (except first use: n new objects), as the hot path makes them. */
async function profileCalls(env: BenchEnv, step: CallStep, n: number, run: string): Promise<number> {
  const name = `bench/${step}-${run}`;
  const request: AdmitRequest = await sampleRequest(`${step}-${run}`);
  const counter = env.FLOOR_COUNTER.getByName(name);
  const link = env.DOWNLOAD_LINK.getByName(name);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    switch (step) {
      case "rpc-noop":
        sink += await counter.noop();
        break;
      case "rpc-echo":
        // The admit request's payload there and back (the link's answer is about as large).
        sink += Object.keys(await counter.echo({ ...request })).length;
        break;
      case "rpc-read":
        sink += await counter.read();
        break;
      case "rpc-upsert":
        sink += await counter.upsert();
        break;
      case "link-snapshot":
        sink += (await link.snapshot()).count;
        break;
      case "link-admit":
        sink += (await link.admit(request)).ok ? 1 : 0;
        break;
      case "link-admit-finish": {
        // A completed 1 KiB download's two calls: the count, then how the body ended.
        const admitted = await link.admit(request);
        if (!admitted.ok) throw new Error(`profile admit refused: ${admitted.reason}`);
        const done = await link.finish({
          event: admitted.event,
          grantId: admitted.grantId,
          bytesSent: 1024,
          outcome: "completed",
          failed: false,
          refundBelowBytes: 512,
          refundChargeBytes: 512,
          refundBudgetBytes: 512,
        });
        sink += done.refunded ? 0 : 1;
        break;
      }
      case "link-first-use":
        sink += (await env.DOWNLOAD_LINK.getByName(`${name}/${i}`).snapshot()).count;
        break;
    }
  }
  return sink;
}
