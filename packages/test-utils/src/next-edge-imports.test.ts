import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";

const coreSrc = resolve(import.meta.dirname, "../../core/src");
// The private wire package is bundled into core, so its imports count as core's.
const wireEntry = resolve(import.meta.dirname, "../../wire/src/index.ts");
const builtins = new Set(builtinModules);

/**
 * Every module `file` loads at run time, following relative imports (a folder means its
 * `index.ts`) and the bundled `@switchboard/wire`; type-only imports are erased.
 */
function runtimeImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true },
  });
  const specifiers = [...outputText.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.flatMap((specifier) => {
    if (specifier === "@switchboard/wire") return runtimeImports(wireEntry, seen);
    if (!specifier.startsWith(".")) return [specifier];
    const path = resolve(dirname(file), specifier);
    return runtimeImports(existsSync(`${path}.ts`) ? `${path}.ts` : resolve(path, "index.ts"), seen);
  });
}

it("@switchboard/core/next loads no Node built-in, so the App Router route runs on the Edge runtime", () => {
  const external = runtimeImports(resolve(coreSrc, "adapters/next.ts"));
  expect(external.filter((name) => name.startsWith("node:") || builtins.has(name))).toEqual([]);
});

it("would notice a Node built-in", () => {
  const external = runtimeImports(resolve(coreSrc, "adapters/express.ts"));
  expect(external).toEqual([]); // the bridge needs none either: only `import type` from node:http
  expect(runtimeImports(resolve(coreSrc, "node/index.ts"))).toEqual([]);
  expect(runtimeImports(resolve(import.meta.dirname, "listen.ts"))).toEqual([]);
  expect(runtimeImports(resolve(import.meta.dirname, "next-edge-imports.test.ts"))).toContain("node:fs");
});
