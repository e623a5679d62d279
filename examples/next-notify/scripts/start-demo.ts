import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { type DevServer, startDevServer } from "@switchboard/dev";

const appDir = resolve(import.meta.dirname, "..");
const nextBin = join(appDir, "node_modules", "next", "dist", "bin", "next");

/** Options for {@link startDemo}. */
export interface DemoOptions {
  /** Port of the Next.js app. @default 3000 */
  port?: number;
  /** Port of the local QStash (`switchboard dev`). @default 8080 */
  qstashPort?: number;
  /** Forward Next's and the dev server's output to this process. @default true */
  verbose?: boolean;
  /**
   * A Redis server (`redis://…`) for the feed: the dev server serves the Upstash Redis REST API in
   * front of it and the app gets `UPSTASH_REDIS_REST_URL`/`_TOKEN`, as on Upstash.
   * @default undefined (the in-memory feed)
   */
  redisUrl?: string;
  /** Port of that Redis REST endpoint. @default 8079 */
  redisPort?: number;
  /** Run `next dev` (hot reload) instead of a production build with `next start`. @default false */
  hotReload?: boolean;
}

/** A running demo. */
export interface Demo {
  url: string;
  dev: DevServer;
  close(): Promise<void>;
}

/**
 * Starts the whole demo on this machine: `switchboard dev` in-process (a local QStash) and the
 * Next.js app (`next build` when its sources changed, then `next start`; or `next dev`) with the
 * env that points one at the other. No account, no tunnel.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const port = options.port ?? 3000;
  const verbose = options.verbose ?? true;
  for (const pkg of ["core", "sse", "dev"]) {
    if (!existsSync(resolve(appDir, `../../packages/${pkg}/dist/index.js`))) {
      throw new Error(
        `@switchboard/${pkg} is not built: run \`npx turbo run build\` at the repository root (npm run demo does).`,
      );
    }
  }
  const qstashPort = options.qstashPort ?? 8080;
  // Say which variable moves a taken port before anything starts (Next only prints a stack).
  await assertPortFree(port, "PORT");
  if (qstashPort !== 0) await assertPortFree(qstashPort, "QSTASH_PORT");
  const dev = await startDevServer({
    port: qstashPort,
    quiet: !verbose,
    ...(options.redisUrl ? { redisUrl: options.redisUrl, redisPort: options.redisPort ?? 8079 } : {}),
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: options.hotReload ? "development" : "production",
    NEXT_TELEMETRY_DISABLED: "1",
    SWITCHBOARD_URL: `http://127.0.0.1:${port}/api/switchboard`,
    QSTASH_URL: dev.url,
    QSTASH_TOKEN: dev.token,
    QSTASH_CURRENT_SIGNING_KEY: dev.signingKeys.current,
    QSTASH_NEXT_SIGNING_KEY: dev.signingKeys.next,
    ...(dev.redisRestUrl
      ? { UPSTASH_REDIS_REST_URL: dev.redisRestUrl, UPSTASH_REDIS_REST_TOKEN: dev.token }
      : {}),
  };
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((r) => child.once("exit", r)) : undefined,
      ),
    );
    await dev.close();
  };
  try {
    if (!options.hotReload && needsBuild()) {
      if (verbose) console.log("Building the Next.js app (first run only)…");
      await run(
        spawn(process.execPath, [nextBin, "build"], {
          cwd: appDir,
          env,
          stdio: verbose ? "inherit" : "pipe",
        }),
        "next build",
      );
    }
    const command = options.hotReload ? "dev" : "start";
    const server = spawn(process.execPath, [nextBin, command, "-p", String(port), "-H", "127.0.0.1"], {
      cwd: appDir,
      env,
      stdio: verbose ? "inherit" : "pipe",
    });
    children.push(server);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(url, server);
    return { url, dev, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Rebuild when there is no build or any source (or a package's dist) is newer than it. */
function needsBuild(): boolean {
  const buildId = join(appDir, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const sources = ["app", "lib", "../../packages/core/dist", "../../packages/sse/dist"].map((d) =>
    resolve(appDir, d),
  );
  return sources.some((dir) => existsSync(dir) && newest(dir) > built);
}

function assertPortFree(port: number, variable: string): Promise<void> {
  return new Promise((resolveFree, reject) => {
    const probe = createServer();
    probe.once("error", () =>
      reject(
        new Error(
          `port ${port} on 127.0.0.1 is taken: stop what uses it, or set ${variable} to another port.`,
        ),
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolveFree()));
  });
}

function run(child: ChildProcess, what: string): Promise<void> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk));
  return new Promise((resolveRun, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolveRun() : reject(new Error(`${what} failed (exit ${code})\n${output.slice(-4000)}`)),
    ),
  );
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/providers`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
