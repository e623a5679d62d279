import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { type BenchResult, figure } from "./result";

const packageDir = resolve(import.meta.dirname, "..");

/** esbuild-minified, gzipped size of an entry (resolved like a user's bundler: the built `dist/`). */
async function gzipBytes(contents: string, external: string[] = []): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: packageDir, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    external: ["node:*", ...external],
    write: false,
    logLevel: "silent",
  });
  return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).byteLength;
}

const OURS = `
  import { createSwitchboard } from "@switchboard/core";
  import { serve } from "@switchboard/core/next";
  const sb = createSwitchboard();
  const job = sb.createJob({ name: "j", schema: { "~standard": { version: 1, vendor: "x", validate: (v) => ({ value: v }) } }, handler: () => {} });
  export const { POST } = serve(sb, { jobs: [job] });
  export const dispatch = (p) => job.dispatch(p);
`;
const CLIENT_ALONE = `
  import { Client } from "@upstash/qstash";
  export const client = new Client({ token: "t" });
`;

const exact = (n: number) => ({ min: n, median: n, max: n, samples: [n] });

/**
 * Bundle size, esbuild-minified (ESM, platform neutral) and gzip -9, the same way for every row.
 * Ours: `createSwitchboard` + `createJob` + `dispatch` + the Next adapter. The peer is the official
 * `Client` alone: we publish through it and verify signatures ourselves, so the official `Receiver`
 * is in neither. Sizes are deterministic: one build per row, no rounds.
 */
export async function benchBundle(): Promise<BenchResult[]> {
  const ownCode = await gzipBytes(OURS, ["@upstash/qstash"]);
  const withClient = await gzipBytes(OURS);
  const client = await gzipBytes(CLIENT_ALONE);
  return [
    figure({
      name: "bundle.ownCode.gzipBytes",
      unit: "B",
      better: "lower",
      value: exact(ownCode),
      baseline: exact(client),
      note: 'Our own code with @upstash/qstash left external (zod not included: any Standard Schema) vs the official Client alone. No limit: there is no floor to measure for "the code you ship".',
    }),
    figure({
      name: "bundle.onTopOfClient.gzipBytes",
      unit: "B",
      better: "lower",
      value: exact(withClient - client),
      target: { text: "≤ 8192 B", checks: [{ of: "absolute", op: "<=", factor: 8192 }] },
      note: `What an app using the official Client adds by using Switchboard: (ours + Client, bundled together: ${withClient} B) − (Client alone: ${client} B).`,
    }),
  ];
}
