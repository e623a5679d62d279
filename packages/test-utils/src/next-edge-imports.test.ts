import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";

const coreSrc = resolve(import.meta.dirname, "../../core/src");
const builtins = new Set(builtinModules);

/** Every module `file` loads at run time, following relative imports; type-only imports are erased. */
function runtimeImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true },
  });
  const specifiers = [...outputText.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.flatMap((specifier) =>
    specifier.startsWith(".") ? runtimeImports(resolve(dirname(file), `${specifier}.ts`), seen) : [specifier],
  );
}

it("@switchboard/core/next loads no Node built-in, so the App Router route runs on the Edge runtime", () => {
  const external = runtimeImports(resolve(coreSrc, "next.ts"));
  expect(external.filter((name) => name.startsWith("node:") || builtins.has(name))).toEqual([]);
});

it("would notice a Node built-in", () => {
  const external = runtimeImports(resolve(coreSrc, "express.ts"));
  expect(external).toEqual([]); // the bridge needs none either: only `import type` from node:http
  expect(runtimeImports(resolve(import.meta.dirname, "listen.ts"))).toEqual([]);
  expect(runtimeImports(resolve(import.meta.dirname, "next-edge-imports.test.ts"))).toContain("node:fs");
});
