import { defineConfig } from "vitest/config";

// The browser test: a production build of the app and Debian's Chromium, so minutes, not
// milliseconds. Not part of the root `vitest run`; `npm run test:e2e` runs it.
export default defineConfig({
  test: {
    name: "next-notify-e2e",
    root: new URL("..", import.meta.url).pathname,
    include: ["e2e/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
