#!/usr/bin/env node
import { parseArgs } from "node:util";
import { devEnv, envBanner, ROUTE_URL_EXAMPLE, switchboardDevCovers } from "./env-banner";
import { startDevServer } from "./start-dev-server";

const HELP = `switchboard dev — a local QStash (and Upstash Redis REST endpoint) for development and tests

Usage: switchboard dev [options]

Options:
  --port <n>         QStash API port (default 8080; 0 picks a free port)
  --host <addr>      interface to listen on (default 127.0.0.1)
  --data-dir <dir>   keep messages, schedules, queues and the DLQ on disk across restarts
  --speed <n>        divide every wait (delays, retry backoff, cron) by n (default 1)
  --redis-url <url>  also serve Upstash Redis REST in front of this Redis (e.g. redis://127.0.0.1:6379)
  --redis-port <n>   Redis REST port (default 8079)
  --redis-allow-flush  let Redis REST clients run FLUSHALL/FLUSHDB/SCRIPT FLUSH (refused by default)
  --quiet            print nothing but the banner (no line per message or delivery)
  --json             print one JSON object per event
  -h, --help         show this help
`;

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (positionals[0] !== "dev" || positionals.length > 1)
    fail(`Unknown command: ${positionals.join(" ") || "(none)"}\n\n${HELP}`);

  const port = toPort(values.port, "--port", 8080);
  const redisPort = toPort(values["redis-port"], "--redis-port", 8079);
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) fail(`--speed must be a number > 0, got "${values.speed}".`);
  if (values["redis-port"] !== undefined && !values["redis-url"])
    fail("--redis-port needs --redis-url: the Redis REST endpoint fronts a real Redis.");
  if (values["redis-allow-flush"] && !values["redis-url"])
    fail("--redis-allow-flush needs --redis-url: the Redis REST endpoint fronts a real Redis.");

  const dev = await startDevServer({
    port,
    host: values.host ?? "127.0.0.1",
    speed,
    redisPort,
    redisAllowFlush: values["redis-allow-flush"] ?? false,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(values["redis-url"] ? { redisUrl: values["redis-url"] } : {}),
    quiet: values.quiet ?? false,
    json: values.json ?? false,
  }).catch((error: unknown) => fail((error as Error).message));

  if (values.json) {
    const ready = {
      type: "ready",
      url: dev.url,
      redisRestUrl: dev.redisRestUrl,
      durable: dev.durable,
      env: devEnv(dev),
      // Whether SWITCHBOARD_DEV=1 stands in for the QSTASH_* lines (never for the Redis ones).
      switchboardDev: switchboardDevCovers(dev),
      routeUrlExample: ROUTE_URL_EXAMPLE,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    const banner = [
      `switchboard dev: QStash API on ${dev.url}${speed !== 1 ? ` (speed ×${speed})` : ""}${
        dev.redisRestUrl ? `, Redis REST on ${dev.redisRestUrl}` : ""
      }`,
      dev.durable
        ? `state is kept in ${values["data-dir"]}`
        : "state is in memory only: pass --data-dir to keep it across restarts",
      "",
      ...envBanner(dev),
      "",
    ];
    process.stdout.write(`${banner.join("\n")}\n`);
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void dev.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      speed: { type: "string" },
      "redis-url": { type: "string" },
      "redis-port": { type: "string" },
      "redis-allow-flush": { type: "boolean" },
      quiet: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function toPort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    fail(`${flag} must be a whole number from 0 to 65535, got "${value}".`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(1);
}

void main(process.argv.slice(2));
