import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { extractSamples, type Sample } from "./extract-samples";

const packageDir = resolve(import.meta.dirname, "..");
const repoRoot = resolve(packageDir, "../..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

const documents = [join(repoRoot, "README.md"), ...markdownFiles(join(repoRoot, "docs"))];
const samples: Sample[] = documents.flatMap((path) =>
  extractSamples(relative(repoRoot, path), readFileSync(path, "utf8")),
);

/** Compiles every sample as its own module, against the real packages and a few shared fixtures. */
function compile(all: Sample[]): Map<Sample, string[]> {
  const virtual = new Map<string, Sample>();
  all.forEach((sample, index) => {
    virtual.set(join(packageDir, "samples", `sample-${index}.tsx`), sample);
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ["@switchboard/source"],
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: ["node"],
    jsx: ts.JsxEmit.Preserve,
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    baseUrl: packageDir,
    paths: { "@/lib/*": ["./lib/*"] },
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError) => {
    const sample = virtual.get(name);
    return sample
      ? ts.createSourceFile(name, sample.code, language)
      : getSourceFile.call(host, name, language, onError);
  };
  const roots = [...virtual.keys(), join(packageDir, "src", "globals.d.ts")];
  const program = ts.createProgram(roots, options, host);
  const errors = new Map<Sample, string[]>();
  for (const [name, sample] of virtual) {
    const source = program.getSourceFile(name)!;
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    errors.set(
      sample,
      diagnostics.map((d) => {
        const at = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
        return `${sample.file}:${sample.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      }),
    );
  }
  return errors;
}

describe("documentation samples", () => {
  it("finds the samples in README.md and docs/", () => {
    expect(samples.length).toBeGreaterThanOrEqual(15);
    expect(new Set(samples.map((s) => dirname(s.file))).size).toBeGreaterThan(1);
  });

  it("type-checks every sample against the real packages", () => {
    const errors = [...compile(samples).values()].flat();
    expect(errors).toEqual([]);
  }, 120_000);

  it("names the file of every relative import, as Node's ESM resolution (NodeNext) requires", () => {
    // Bundler resolution (Next.js) forgives `../lib/switchboard`; Node, tsx and tsc with
    // NodeNext do not (TS2835), and Hono, Express and test samples run there.
    const bare = samples.flatMap((sample) =>
      [...sample.code.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)]
        .filter((match) => !/\.(js|mjs|cjs|json)$/.test(match[1]!))
        .map((match) => `${sample.file}:${sample.line}: ${match[1]} (write ${match[1]}.js)`),
    );
    expect(bare).toEqual([]);
  });

  it("would catch a broken sample", () => {
    const broken: Sample = {
      file: "docs/broken.md",
      line: 1,
      code: 'import { createSwitchboard } from "@switchboard/core";\ncreateSwitchboard().createJob({ name: 1 });\n',
    };
    const errors = compile([broken]).get(broken) ?? [];
    expect(errors.join("\n")).toMatch(/docs\/broken\.md:2/);
  }, 120_000);
});
