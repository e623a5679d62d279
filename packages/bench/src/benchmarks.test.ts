import { describe, expect, it } from "vitest";
import { benchmarks } from "./benchmarks";
import { describeMachine } from "./machine";
import { formatMarkdown, formatTable } from "./report";
import type { BenchResult, Spread } from "./result";

// Proves every benchmark still runs end to end, at tiny sizes. Figures at this size mean nothing,
// so nothing here asserts on speed or on pass/fail: `pnpm bench` measures. Only the shape is checked.
const finiteOrNull = (n: unknown) => n === null || (typeof n === "number" && Number.isFinite(n));

function expectSpread(s: Spread | null) {
  if (s === null) return;
  expect(s.samples.length).toBeGreaterThan(0);
  expect(s.min).toBeLessThanOrEqual(s.median);
  expect(s.median).toBeLessThanOrEqual(s.max);
}

describe("benchmarks (smoke, tiny sizes)", () => {
  const results: BenchResult[] = [];

  it.each(benchmarks.map((b) => [b.name, b] as const))(
    "%s runs and reports well-formed figures",
    async (_name, bench) => {
      const figures = await bench.run("tiny");
      expect(figures.length).toBeGreaterThan(0);
      for (const f of figures) {
        expect(f.name).toMatch(/^[a-z]+\.[A-Za-z0-9.]+$/);
        expect(typeof f.unit).toBe("string");
        expect(finiteOrNull(f.value) && finiteOrNull(f.baseline) && finiteOrNull(f.limit)).toBe(true);
        expect(finiteOrNull(f.ratio)).toBe(true);
        expect([true, false, null]).toContain(f.pass);
        expect(f.note.length).toBeGreaterThan(0);
        if (f.value === null) {
          expect(f.pass).toBeNull();
          continue;
        }
        // Every measured side is repeated (≥ 3 rounds) unless it is exact (a size, a count).
        expect(f.spread.value?.median).toBe(f.value);
        expect(f.spread.baseline?.median ?? null).toBe(f.baseline);
        expect(f.spread.limit?.median ?? null).toBe(f.limit);
        for (const s of [f.spread.value, f.spread.baseline, f.spread.limit]) expectSpread(s);
        if (f.target) {
          expect(f.target.checks.length).toBeGreaterThan(0);
          expect(f.pass).not.toBeNull();
        }
        if (f.ratio !== null) expect(f.ratioMeaning).toMatch(/baseline/);
      }
      results.push(...figures);
    },
    // Each takes seconds at tiny size on an idle machine; the bound holds on a loaded CI one.
    180_000,
  );

  it("formats the table and the Markdown report", () => {
    expect(formatTable(results).split("\n")).toHaveLength(results.length + 1);
    expect(formatMarkdown(results, describeMachine())).toContain(
      "| name | unit | value | baseline | limit | ratio | target | pass |",
    );
  });
});
