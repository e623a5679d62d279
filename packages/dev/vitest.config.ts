import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "dev",
    include: ["src/**/*.test.ts"],
    // Real servers and child processes: leave room for a loaded CI machine. Each wait in the tests
    // has its own, shorter bound, so a real hang still fails fast with a message.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
