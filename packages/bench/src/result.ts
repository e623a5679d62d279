/** min / median / max of one side's rounds (null: that side was not measured). */
export interface Spread {
  min: number;
  median: number;
  max: number;
  samples: number[];
}

/** One check of a target, read from the raw medians: `value op factor × reference`. */
export interface TargetCheck {
  /** What `value` is compared with: the baseline's median, the limit's median, or a plain number. */
  of: "baseline" | "limit" | "absolute";
  op: "<=" | ">=";
  factor: number;
}

/** A figure's target, from the issue: every check must hold for `pass`. */
export interface Target {
  text: string;
  checks: TargetCheck[];
}

/**
 * One figure of a run: the subject (Switchboard), its peer baseline (what a user would write
 * instead) and its limit (the fastest thing the machine can do for the same job), all measured in
 * the same run, interleaved, as medians over the rounds.
 */
export interface BenchResult {
  /** Dotted name, e.g. `route.hono.rps`. */
  name: string;
  unit: string;
  /** Median over the rounds; null when the figure could not be measured (see `note`). */
  value: number | null;
  baseline: number | null;
  limit: number | null;
  /** Subject vs baseline, oriented so that > 1 means Switchboard is better (see `ratioMeaning`). */
  ratio: number | null;
  /** How `ratio` reads, e.g. "value ÷ baseline, higher is better". */
  ratioMeaning: string;
  /** The target, or null for a context figure. */
  target: Target | null;
  /** Whether every target check holds on the raw medians; null when there is no target or no figure. */
  pass: boolean | null;
  /** min / median / max per side. */
  spread: { value: Spread | null; baseline: Spread | null; limit: Spread | null };
  /** What each side is, and what was measured. */
  note: string;
}

/** Which way is better for a figure's unit. */
export type Better = "higher" | "lower";

/** Builds a result from the three spreads; `pass` is read from the unrounded medians. */
export function figure(options: {
  name: string;
  unit: string;
  better: Better;
  value: Spread | null;
  baseline?: Spread | null;
  limit?: Spread | null;
  target?: Target | null;
  note: string;
}): BenchResult {
  const value = options.value?.median ?? null;
  const baseline = options.baseline?.median ?? null;
  const limit = options.limit?.median ?? null;
  const ratio =
    value === null || baseline === null || value === 0 || baseline === 0
      ? null
      : options.better === "higher"
        ? value / baseline
        : baseline / value;
  const target = options.target ?? null;
  let pass: boolean | null = null;
  if (target && value !== null) {
    const refs = { baseline, limit, absolute: 1 };
    const outcomes = target.checks.map((check) => {
      const reference = refs[check.of];
      if (reference === null) return null;
      const bound = check.factor * reference;
      return check.op === "<=" ? value <= bound : value >= bound;
    });
    pass = outcomes.includes(null) ? null : outcomes.every(Boolean);
  }
  return {
    name: options.name,
    unit: options.unit,
    value: roundOrNull(value),
    baseline: roundOrNull(baseline),
    limit: roundOrNull(limit),
    ratio: roundOrNull(ratio),
    ratioMeaning:
      options.better === "higher"
        ? "value ÷ baseline (higher is better, > 1 means Switchboard wins)"
        : "baseline ÷ value (lower is better, > 1 means Switchboard wins)",
    target,
    pass,
    spread: {
      value: options.value ? roundSpread(options.value) : null,
      baseline: options.baseline ? roundSpread(options.baseline) : null,
      limit: options.limit ? roundSpread(options.limit) : null,
    },
    note: options.note,
  };
}

/** A figure that could not be measured in this run, with the reason in `note`. */
export function notMeasured(name: string, unit: string, target: Target | null, note: string): BenchResult {
  return {
    name,
    unit,
    value: null,
    baseline: null,
    limit: null,
    ratio: null,
    ratioMeaning: "",
    target,
    pass: null,
    spread: { value: null, baseline: null, limit: null },
    note,
  };
}

/** min / median / max of a list of samples. */
export function spread(samples: number[]): Spread {
  if (samples.length === 0) throw new Error("a spread needs at least one sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]!, samples };
}

/** Percentile of a list of numbers (p in 0..100, nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round(n);
}

function roundSpread(s: Spread): Spread {
  return { min: round(s.min), median: round(s.median), max: round(s.max), samples: s.samples.map(round) };
}
