import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { type BenchResult, compare } from "./result";

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
const QSTASH_ALONE = `
  import { Client, Receiver } from "@upstash/qstash";
  export const client = new Client({ token: "t" });
  export const receiver = new Receiver({ currentSigningKey: "a", nextSigningKey: "b" });
`;

/** Bundle size: `createSwitchboard` + `createJob` + the Next adapter vs `@upstash/qstash`'s Client + Receiver. */
export async function benchBundle(): Promise<BenchResult[]> {
  const ourCode = await gzipBytes(OURS, ["@upstash/qstash"]);
  const oursTotal = await gzipBytes(OURS);
  const qstash = await gzipBytes(QSTASH_ALONE);
  return [
    compare(
      "bundle.core.gzipBytes",
      "B",
      ourCode,
      null,
      "lower",
      { max: 8192, text: "≤ 8 KB gzip" },
      "our own code: @upstash/qstash left external, zod not included (any Standard Schema)",
    ),
    compare(
      "bundle.coreWithQStash.gzipBytes",
      "B",
      oursTotal,
      qstash,
      "lower",
      null,
      "everything bundled (our code + the qstash Client we publish through) vs Client + Receiver alone",
    ),
    compare(
      "bundle.onTopOfQStash.gzipBytes",
      "B",
      oursTotal - qstash,
      null,
      "lower",
      { max: 8192, text: "≤ 8 KB gzip" },
      "difference of the two rows above (we verify signatures ourselves, so Receiver is not in ours)",
    ),
  ];
}
