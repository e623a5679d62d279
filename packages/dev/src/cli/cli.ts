#!/usr/bin/env node
import { parseArgs } from "node:util";
import { createRequestGuard } from "../api/request-guard";
import { type DevServerOptions, startDevServer } from "../start-dev-server";
import { DLQ_HELP, DlqCommandError, runDlqCommand } from "./dlq-command";
import { credentialsBanner, devEnv, envBanner, ROUTE_URL_EXAMPLE, switchboardDevCovers } from "./env-banner";

const HELP = `switchboard dev — a local QStash (and Upstash Redis REST endpoint) for development and tests

Usage: switchboard dev [options]
       switchboard dlq list|retry|delete …   (see switchboard dlq --help)

Options:
  --port <n>         QStash API port (default 8080; 0 picks a free port)
  --host <addr>      interface to listen on (default 127.0.0.1)
  --data-dir <dir>   keep messages, schedules, queues and the DLQ on disk across restarts
  --speed <n>        divide every wait (delays, retry backoff, cron) by n (default 1)
  --redis-url <url>  also serve Upstash Redis REST in front of this Redis (e.g. redis://127.0.0.1:6379)
  --redis-port <n>   Redis REST port (default 8079)
  --redis-allow-flush  let Redis REST clients run FLUSHALL/FLUSHDB/SCRIPT FLUSH (refused by default)

Credentials (default: QStash's public development token and signing keys):
  --token <t>                  the API token, also the Redis REST token (QSTASH_TOKEN)
  --current-signing-key <k>    the key deliveries are signed with (QSTASH_CURRENT_SIGNING_KEY)
  --next-signing-key <k>       the next key (QSTASH_NEXT_SIGNING_KEY); give both keys or neither
  --random-credentials         a random token and random sig_ keys, new on every start

Who may call it (default: only loopback, same-origin requests with the token in the header):
  --allow-origin <origin>      let a web page's origin call it from a browser, with CORS
                               (e.g. http://localhost:3000; repeat or comma-separate)
  --allow-host <name>          answer this Host name too, e.g. a Docker service or
                               host.docker.internal (repeat or comma-separate); with a
                               non-loopback --host, IP-address Hosts are answered anyway
  --allow-query-token          accept ?qstash_token= / ?_token= as QStash and Upstash do
                               (refused by default: any link or form can carry one)

  --quiet            print nothing but the banner (no line per message or delivery)
  --json             print one JSON object per event
  -h, --help         show this help
`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "dlq") return dlq(argv.slice(1));
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
  const credentials = toCredentials(values);
  const allowOrigins = toList(values["allow-origin"]);
  const allowHosts = toList(values["allow-host"]);
  try {
    createRequestGuard({ host: values.host ?? "127.0.0.1", allowOrigins, allowHosts });
  } catch (error) {
    fail(
      (error as Error).message
        .replace(/^allowOrigins/, "--allow-origin")
        .replace(/^allowHosts/, "--allow-host"),
    );
  }

  const dev = await startDevServer({
    port,
    host: values.host ?? "127.0.0.1",
    speed,
    redisPort,
    redisAllowFlush: values["redis-allow-flush"] ?? false,
    ...credentials,
    allowOrigins,
    allowHosts,
    allowQueryToken: values["allow-query-token"] ?? false,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(values["redis-url"] ? { redisUrl: values["redis-url"] } : {}),
    quiet: values.quiet ?? false,
    json: values.json ?? false,
  }).catch((error: unknown) => fail((error as Error).message));

  if (values.json) {
    const ready = {
      type: "ready",
      url: dev.url,
      dashboardUrl: dev.dashboardUrl,
      redisRestUrl: dev.redisRestUrl,
      durable: dev.durable,
      env: devEnv(dev),
      // Whether SWITCHBOARD_DEV=1 stands in for the QSTASH_* lines (never for the Redis ones).
      switchboardDev: switchboardDevCovers(dev),
      // Which credentials are in force, and whom the server answers beyond loopback, same-origin requests.
      credentials: dev.credentials,
      access: dev.access,
      routeUrlExample: ROUTE_URL_EXAMPLE,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    const banner = [
      `switchboard dev: QStash API on ${dev.url}${speed !== 1 ? ` (speed ×${speed})` : ""}${
        dev.redisRestUrl ? `, Redis REST on ${dev.redisRestUrl}` : ""
      }`,
      `Dashboard: ${dev.dashboardUrl} (open it in a browser)`,
      dev.durable
        ? `state is kept in ${values["data-dir"]}`
        : "state is in memory only: pass --data-dir to keep it across restarts",
      ...credentialsBanner(dev, dev.access),
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

async function dlq(args: string[]): Promise<void> {
  try {
    await runDlqCommand(args, {
      env: process.env,
      fetch,
      out: (text) => void process.stdout.write(text),
    });
  } catch (error) {
    if (error instanceof DlqCommandError) fail(error.message);
    fail(`dlq: ${(error as Error).message}\n\n${DLQ_HELP}`);
  }
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
      token: { type: "string" },
      "current-signing-key": { type: "string" },
      "next-signing-key": { type: "string" },
      "random-credentials": { type: "boolean" },
      "allow-origin": { type: "string", multiple: true },
      "allow-host": { type: "string", multiple: true },
      "allow-query-token": { type: "boolean" },
      quiet: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

type CredentialOptions = Pick<DevServerOptions, "token" | "signingKeys" | "randomCredentials">;

function toCredentials(values: ReturnType<typeof parse>["values"]): CredentialOptions {
  const token = values.token;
  const current = values["current-signing-key"];
  const next = values["next-signing-key"];
  if (values["random-credentials"]) {
    if (token !== undefined || current !== undefined || next !== undefined)
      fail(
        "--random-credentials cannot be combined with --token, --current-signing-key or --next-signing-key.",
      );
    return { randomCredentials: true };
  }
  if (token === "") fail("--token must not be empty.");
  if ((current === undefined) !== (next === undefined))
    fail("pass both --current-signing-key and --next-signing-key (QStash always has two, for rotation).");
  if (current === "" || next === "") fail("--current-signing-key and --next-signing-key must not be empty.");
  return {
    ...(token !== undefined ? { token } : {}),
    ...(current !== undefined && next !== undefined ? { signingKeys: { current, next } } : {}),
  };
}

/** Repeated flags and comma-separated values, as one list. */
function toList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter(Boolean);
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
