import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "sse",
    include: ["src/**/*.test.ts"],
    // No test here waits on the clock (they drive an injected one), so a timeout only catches a
    // hang; real Redis and HTTP on a loaded machine may take a while, and that is not a failure.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
