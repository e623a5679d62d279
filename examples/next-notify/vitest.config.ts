import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "next-notify",
    include: ["e2e/**/*.test.ts"],
    // A production build of the app and a real browser: minutes, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
