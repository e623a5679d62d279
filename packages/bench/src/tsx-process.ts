import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * A TypeScript file of this package run in a child process (node + tsx; the workspace packages
 * resolved as in this process: their built `dist/` as an app installs them, or their sources
 * under `--conditions=@switchboard/source`), spoken to one JSON line at a time: `request` writes a line and resolves with the
 * next line the child prints. One request at a time.
 */
export function tsxProcess(script: URL) {
  const child = spawn(
    process.execPath,
    [...conditionFlags(process.execArgv), "--import", "tsx", fileURLToPath(script)],
    { cwd: resolve(import.meta.dirname, ".."), stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let exited: Error | undefined;
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queue.push(line);
  });
  child.on("exit", (code) => {
    exited = new Error(`${fileURLToPath(script)} exited (${code})`);
    for (const w of waiting.splice(0)) w(JSON.stringify({ error: exited.message }));
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const line = queue.shift();
      if (line !== undefined) resolve(line);
      else if (exited) reject(exited);
      else waiting.push(resolve);
    });
  return {
    /** The next line the child prints, parsed. */
    async read<T>(): Promise<T> {
      return JSON.parse(await next()) as T;
    },
    /** Writes `message` as a line and reads the reply. */
    async request<T>(message: unknown): Promise<T> {
      const reply = next();
      child.stdin.write(`${JSON.stringify(message)}\n`);
      return JSON.parse(await reply) as T;
    },
    /** Closes the child's stdin (it stops) and waits for it to exit. */
    async end(): Promise<void> {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin.end();
      await gone;
    },
  };
}

/**
 * The `--conditions` / `-C` flags among `argv`, in both spellings (`--conditions=x` and
 * `--conditions x`), so a child resolves packages as its parent does.
 */
export function conditionFlags(argv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--conditions=") || arg.startsWith("-C=")) flags.push(arg);
    else if ((arg === "--conditions" || arg === "-C") && i + 1 < argv.length) flags.push(arg, argv[++i]!);
  }
  return flags;
}
