import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** A fixed test-only MASTER_KEY (base64 of 32 bytes); production sets its own secret. */
const TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmctISE=";

// Three projects. Inline projects do not inherit from this root config (no `extends`), so
// the cloudflareTest plugin applies to the "workers" project only.
export default defineConfig(async () => ({
  test: {
    projects: [
      {
        // Unit, integration and concurrency tests, inside workerd.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                MASTER_KEY: TEST_MASTER_KEY,
                // Pinned here so a developer's .dev.vars (which wrangler would read) never
                // changes the test environment: tests that need the operator API hand the
                // Worker a secret per request, and everything else sees it disabled.
                OPERATOR_SECRET: "",
                // Tests exercise the baseline route's guard directly; it stays "0" here.
                BENCH_BASELINE: "0",
                // Webhook retries after 1 s, 2 s, then the dead-letter queue: the real queues
                // run their whole course within a test (wrangler.toml has the production schedule).
                WEBHOOK_RETRY_BASE_SECONDS: "1",
                WEBHOOK_MAX_ATTEMPTS: "3",
                // The order-change queue re-tells a changed order's links after 1 s here (30 in wrangler.toml).
                ORDER_RECHECK_SECONDS: "1",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/browser/**"],
          setupFiles: ["./test/setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // End-to-end over real HTTP: Node drives `wrangler dev` with the system's curl and wget.
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.e2e.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // A real browser: Debian's Chromium (playwright-core, never a downloaded browser)
        // against `wrangler dev`. Fails, not skips, when /usr/bin/chromium is missing.
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.browser.test.ts"],
          // One wrangler dev and one Chromium at a time is plenty for a small machine.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
}));
