import { defineConfig, type Options } from "tsup";

/**
 * The one build configuration every published package uses: dual ESM/CJS with a `.d.ts`/`.d.cts`
 * per format, so `types` resolve correctly under every export condition (checked by attw).
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    splitting: true,
    target: "node20",
    ...overrides,
  });
}
