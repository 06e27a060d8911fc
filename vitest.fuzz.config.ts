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
            provide: { fuzzRuns: Number(process.env.FUZZ_RUNS ?? 10_000) },
          },
        },
      ],
    },
  };
});
