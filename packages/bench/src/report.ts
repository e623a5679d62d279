import type { Machine } from "./machine";
import type { BenchResult, Spread } from "./result";

const HEAD = ["name", "unit", "value", "baseline", "limit", "ratio", "target", "pass"] as const;

/** `median (min–max)`, or `—` for a side that has no figure. */
function side(s: Spread | null): string {
  if (!s) return "—";
  return s.min === s.max ? String(s.median) : `${s.median} (${s.min}–${s.max})`;
}

function cells(r: BenchResult): string[] {
  if (r.value === null) {
    return [r.name, r.unit, r.note, "—", "—", "—", r.target?.text ?? "—", "—"];
  }
  return [
    r.name,
    r.unit,
    side(r.spread.value),
    side(r.spread.baseline),
    side(r.spread.limit),
    r.ratio === null ? "—" : `${r.ratio}×`,
    r.target?.text ?? "—",
    r.pass === null ? "—" : r.pass ? "pass" : "FAIL",
  ];
}

/** The results as an aligned plain-text table for the terminal: median (min–max) per side. */
export function formatTable(results: BenchResult[]): string {
  const rows = [HEAD.map(String), ...results.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The results as the Markdown docs/benchmarks.md embeds, with the machine and each figure's note. */
export function formatMarkdown(results: BenchResult[], machine: Machine): string {
  const lines = [
    `Run on ${machine.date.slice(0, 10)}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. Each side: median (min–max) over the measured rounds. Ratio: > 1× means Switchboard beats the baseline.`,
    "",
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map(() => "---").join("|")}|`,
    ...results.map((r) => `| ${cells(r).join(" | ")} |`),
    "",
    ...results.map((r) => `- \`${r.name}\`: ${r.note}`),
  ];
  return lines.join("\n");
}
