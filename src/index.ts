/**
 * dlgate: the Worker entry point. Routing lives in router.ts; the per-link Durable
 * Object is exported here because the runtime looks for it on this module.
 */
import type { Env } from "./env.ts";
import { router } from "./router.ts";

export { DownloadLink } from "./links/DownloadLink.ts";

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
