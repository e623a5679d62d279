import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources, so tests never need a build.
    conditions: ["@switchboard/source"],
  },
  ssr: {
    resolve: {
      conditions: ["@switchboard/source"],
      externalConditions: ["@switchboard/source"],
    },
  },
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      // Runtime tests: a fixture per runtime (workerd, the Next.js Edge Runtime), each its own project.
      "packages/*/test/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
    ],
    typecheck: { enabled: false },
  },
});
