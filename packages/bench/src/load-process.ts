import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

// autocannon in a child process: the load generator must not share the server's event loop, or
// every route's figure measures the client as much as the server.
const CHILD = `
const autocannon = require("autocannon");
const readline = require("node:readline");
readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const { id, options } = JSON.parse(line);
  try {
    const r = await autocannon(options);
    process.stdout.write(JSON.stringify({ id, total: r.requests.total, duration: r.duration, non2xx: r.non2xx, errors: r.errors }) + "\\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, failed: String(error) }) + "\\n");
  }
});
`;

interface LoadResult {
  total: number;
  duration: number;
  non2xx: number;
  errors: number;
}

/** A persistent autocannon child; `run` takes autocannon's options (JSON-serialisable). */
export function loadProcess() {
  const child = spawn(process.execPath, ["-e", CHILD], {
    cwd: resolve(import.meta.dirname, ".."), // resolves autocannon from this package
    stdio: ["pipe", "pipe", "inherit"],
  });
  const pending = new Map<number, (result: LoadResult & { failed?: string }) => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as LoadResult & { id: number; failed?: string };
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  let nextId = 0;
  return {
    async run(options: Record<string, unknown>): Promise<LoadResult> {
      const id = nextId++;
      const result = await new Promise<LoadResult & { failed?: string }>((done) => {
        pending.set(id, done);
        child.stdin.write(`${JSON.stringify({ id, options })}\n`);
      });
      if (result.failed) throw new Error(`autocannon failed: ${result.failed}`);
      return result;
    },
    end(): void {
      child.kill();
    },
  };
}
