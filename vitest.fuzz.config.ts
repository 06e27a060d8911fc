/**
 * `npm run fuzz`: the outsider campaign of test/campaign/ at scale, inside workerd like
 * `npm test`. FUZZ_RUNS (default 100,000) is the total number of cases, FUZZ_SEED the seed;
 * each test file prints its totals (cases per property, statuses seen).
 */
import { defineConfig, type TestProjectInlineConfiguration, type UserConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig(async (env) => {
  const config: UserConfig = await (typeof base === "function" ? base(env) : base);
  const workers = config.test?.projects?.[0] as TestProjectInlineConfiguration;
  return {
    test: {
      projects: [
        {
          ...workers,
          test: {
            ...workers.test,
            name: "fuzz",
            include: ["test/campaign/**/*.test.ts"],
            provide: {
              fuzzRuns: Number(process.env.FUZZ_RUNS ?? 100_000),
              ...(process.env.FUZZ_SEED ? { fuzzSeed: Number(process.env.FUZZ_SEED) } : {}),
            },
            // A property of thousands of requests runs for minutes, not the CI's 30 s.
            testTimeout: 3_600_000,
          },
        },
      ],
    },
  };
});
