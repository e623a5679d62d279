import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// The fast tests (part of the root `vitest run`): the notify channel delivered over real HTTP by
// an in-process `switchboard dev`, the feed routes and the session. The browser test has its own
// config (e2e/vitest.config.ts), run by `npm run test:e2e`.
export default defineProject({
  resolve: {
    conditions: ["@switchboard/source"],
    alias: [{ find: /^@\//, replacement: fileURLToPath(new URL("./", import.meta.url)) }],
  },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "next-notify",
    include: ["app/**/*.test.ts", "lib/**/*.test.ts"],
  },
});
