import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same SQL files `wrangler d1 migrations apply` runs, so tests see the real schema.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
