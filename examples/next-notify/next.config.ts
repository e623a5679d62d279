import type { NextConfig } from "next";

// The Switchboard packages resolve to their built `dist/` (run `turbo run build` first; `npm run demo`
// does it for you), exactly as they would from npm.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
