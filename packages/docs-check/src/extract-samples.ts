/** A TypeScript code block found in a Markdown file. */
export interface Sample {
  /** Repository-relative path of the Markdown file. */
  file: string;
  /** 1-based line of the block's first code line. */
  line: number;
  code: string;
}

const FENCE = /^```(ts|tsx|typescript)([^\n]*)\n([\s\S]*?)^```/gm;

/**
 * Extracts the `ts`/`tsx` blocks of a Markdown document. A block whose info string says
 * `fragment` (e.g. a single object property shown in isolation) is skipped: it is not a program.
 */
export function extractSamples(file: string, markdown: string): Sample[] {
  const samples: Sample[] = [];
  for (const match of markdown.matchAll(FENCE)) {
    const info = match[2] ?? "";
    if (/\bfragment\b/.test(info)) continue;
    const line = markdown.slice(0, match.index).split("\n").length + 1;
    samples.push({ file, line, code: match[3] ?? "" });
  }
  return samples;
}
