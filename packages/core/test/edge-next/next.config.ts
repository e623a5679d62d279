import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

// A fixture app with one Edge route, built by edge-next.test.ts. Core is compiled from its
// sources (tsconfig `paths`), so no package build is needed first.
const config: NextConfig = {
  // Next 16's cacheComponents rejects `runtime = "edge"`; it is off by default, keep it off.
  cacheComponents: false,
  poweredByHeader: false,
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // `pnpm --filter @switchboard/core typecheck` checks these files; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
};

export default config;
