import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchmarks, SIZES, type Size } from "./benchmarks";
import { describeMachine } from "./machine";
import { formatMarkdown, formatTable } from "./report";
import type { BenchResult } from "./result";

const USAGE = `usage: pnpm bench [--size tiny|normal] [--only <prefix>] [--json [file]] [--strict] [--no-docs]
  --size     tiny proves every benchmark runs (seconds); normal (the default) measures
  --only     run the benchmarks whose name starts with <prefix> (route, dev, bundle, dispatch, feed)
  --json     write { machine, size, results } to <file>, or to stdout when no file is given
  --strict   exit 1 when a target is missed (by default a miss is reported, not an error)
  --no-docs  do not rewrite the results in docs/benchmarks.md (a normal, full run does)`;

// `--json` takes an optional file: parsed as a flag, the file (if any) is the positional after it.
const { values, positionals } = parseArgs({
  options: {
    size: { type: "string", default: "normal" },
    only: { type: "string" },
    json: { type: "boolean" },
    strict: { type: "boolean" },
    "no-docs": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  allowPositionals: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const size = values.size as Size;
if (!SIZES.includes(size) || positionals.length > (values.json ? 1 : 0)) {
  console.error(USAGE);
  process.exit(2);
}
const jsonFile = positionals[0];
// JSON on stdout: everything human goes to stderr so stdout stays parseable.
const say =
  values.json && !jsonFile ? (line: string) => console.error(line) : (line: string) => console.log(line);

const machine = describeMachine();
const results: BenchResult[] = [];
const started = Date.now();
for (const bench of benchmarks) {
  if (values.only && !bench.name.startsWith(values.only)) continue;
  say(`▶ ${bench.name} (${size}) …`);
  const t = Date.now();
  results.push(...(await bench.run(size)));
  say(`  done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
}

say(
  `\n${formatTable(results)}\n\n${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · size ${size} · ${((Date.now() - started) / 1000).toFixed(0)}s`,
);
const json = `${JSON.stringify({ machine, size, results }, null, 2)}\n`;
if (jsonFile) writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), jsonFile), json);
else if (values.json) process.stdout.write(json);

if (!values["no-docs"] && !values.only && size === "normal") {
  const docs = resolve(import.meta.dirname, "../../../docs/benchmarks.md");
  const current = readFileSync(docs, "utf8");
  const start = "<!-- results:start -->";
  const end = "<!-- results:end -->";
  if (current.includes(start) && current.includes(end)) {
    const updated = `${current.slice(0, current.indexOf(start) + start.length)}\n${formatMarkdown(results, machine)}\n${current.slice(current.indexOf(end))}`;
    writeFileSync(docs, updated);
    say("Updated docs/benchmarks.md");
  }
}
const missed = results.filter((r) => r.pass === false).map((r) => r.name);
// A missed target is a finding, not a crash: reported, and an error only under --strict.
if (missed.length > 0) say(`Targets missed: ${missed.join(", ")}`);
process.exit(values.strict && missed.length > 0 ? 1 : 0);
