/** One figure of a benchmark run, printed side by side with its baseline. */
export interface BenchResult {
  /** Dotted name, e.g. `route.hono.rps`. */
  name: string;
  unit: string;
  value: number;
  /** The same figure for what a user would pick instead, measured in the same run (null: none exists). */
  baseline: number | null;
  /** value / baseline (or baseline / value where lower is better; see `better`). */
  ratio: number | null;
  /** The target, in words, e.g. "≥ 1.0× baseline". */
  target: string;
  /** `null` when the figure has no target (context only). */
  pass: boolean | null;
  /** What the figure means or what limits it. */
  note?: string;
}

/** Builds a result whose ratio is value/baseline (higher is better) or baseline/value (lower is better). */
export function compare(
  name: string,
  unit: string,
  value: number,
  baseline: number | null,
  better: "higher" | "lower",
  target: { min?: number; max?: number; text: string } | null,
  note?: string,
): BenchResult {
  const ratio =
    baseline === null || baseline === 0 || value === 0
      ? null
      : better === "higher"
        ? value / baseline
        : baseline / value;
  // A target on a ratio ("≥ 1.0× baseline") reads the ratio; any other ("≥ 20× faster", "≤ 8 KB") reads the value.
  let pass: boolean | null = null;
  if (target) {
    const subject = target.text.includes("baseline") ? ratio : value;
    pass =
      subject === null
        ? null
        : (target.min === undefined || subject >= target.min) &&
          (target.max === undefined || subject <= target.max);
  }
  return {
    name,
    unit,
    value: round(value),
    baseline: baseline === null ? null : round(baseline),
    ratio: ratio === null ? null : round(ratio),
    target: target?.text ?? "",
    pass,
    ...(note ? { note } : {}),
  };
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

/** Percentile of a list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
