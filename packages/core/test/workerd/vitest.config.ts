import { defineProject } from "vitest/config";

// The Hono route bundled with esbuild and run in Cloudflare's workerd (through Miniflare), driven
// over HTTP from Node. Part of the root `vitest run`; it fails, never skips, if workerd cannot start.
export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "core-workerd",
    root: import.meta.dirname,
    include: ["*.test.ts"],
    hookTimeout: 60_000,
  },
});
