import { defineProject } from "vitest/config";

// A real Next.js app whose Switchboard route declares `runtime = "edge"`: `next build`, then
// `next start` on loopback, driven over HTTP. Part of the root `vitest run`; the build takes about
// a minute, and the project fails, never skips, when Next cannot build or start.
export default defineProject({
  resolve: { conditions: ["@switchboard/source"] },
  ssr: { resolve: { conditions: ["@switchboard/source"], externalConditions: ["@switchboard/source"] } },
  test: {
    name: "core-edge-next",
    root: import.meta.dirname,
    include: ["*.test.ts"],
    hookTimeout: 300_000,
  },
});
