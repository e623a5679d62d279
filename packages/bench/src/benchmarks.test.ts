import { describe, expect, it } from "vitest";
import { benchmarks } from "./benchmarks";
import { describeMachine } from "./machine";
import { formatMarkdown, formatTable } from "./report";
import type { BenchResult } from "./result";

// Proves every benchmark still runs end to end, at tiny sizes. Figures at this size mean nothing,
// so nothing here asserts on speed: `pnpm bench` measures.
describe("benchmarks (smoke, quick sizes)", () => {
  const results: BenchResult[] = [];

  it.each(benchmarks.map((b) => [b.name, b] as const))(
    "%s runs and reports well-formed figures",
    async (_name, bench) => {
      const figures = await bench.run("quick");
      expect(figures.length).toBeGreaterThan(0);
      for (const figure of figures) {
        expect(figure.name).toMatch(/^[a-z]+\.[A-Za-z0-9.]+$/);
        expect(Number.isFinite(figure.value)).toBe(true);
        expect(figure.baseline === null || Number.isFinite(figure.baseline)).toBe(true);
      }
      results.push(...figures);
    },
    120_000,
  );

  it("formats the table and the Markdown report", () => {
    expect(formatTable(results).split("\n")).toHaveLength(results.length + 1);
    expect(formatMarkdown(results, describeMachine())).toContain(
      "| name | unit | value | baseline | ratio | target | pass |",
    );
  });
});
