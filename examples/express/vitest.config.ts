import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "express",
    include: ["src/**/*.test.ts"],
  },
});
