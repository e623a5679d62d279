import type { Machine } from "./machine";
import type { BenchResult } from "./result";

const HEAD = ["name", "unit", "value", "baseline", "ratio", "target", "pass"] as const;

function cells(r: BenchResult): string[] {
  return [
    r.name,
    r.unit,
    String(r.value),
    r.baseline === null ? "—" : String(r.baseline),
    r.ratio === null ? "—" : `${r.ratio}×`,
    r.target || "—",
    r.pass === null ? "—" : r.pass ? "✓" : "✗",
  ];
}

/** The results as an aligned plain-text table for the terminal. */
export function formatTable(results: BenchResult[]): string {
  const rows = [HEAD.map(String), ...results.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")).join("\n");
}

/** The results as the Markdown table docs/benchmarks.md embeds, with the machine. */
export function formatMarkdown(results: BenchResult[], machine: Machine): string {
  const lines = [
    `Run on ${machine.date.slice(0, 10)}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    "",
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map(() => "---").join("|")}|`,
    ...results.map((r) => `| ${cells(r).join(" | ")} |`),
    "",
    ...results.filter((r) => r.note).map((r) => `- \`${r.name}\`: ${r.note}`),
  ];
  return lines.join("\n");
}
