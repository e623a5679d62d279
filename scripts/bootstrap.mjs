#!/usr/bin/env node
// The first thing `npm test`, `npm run demo` and `npm run bench` run, on a machine that may have
// nothing but Node and npm. It checks what the command needs and says how to get what is missing
// (in its first lines, not deep inside a failing test), brings pnpm along without a global
// install, then installs the workspace and builds the packages.
//
//   node scripts/bootstrap.mjs test    Redis and Chromium are required
//   node scripts/bootstrap.mjs demo    only Node
//   node scripts/bootstrap.mjs bench   Redis is required
//
// Plain Node, no dependencies: nothing is installed yet when it runs.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PNPM_VERSION = "10.34.9";
const MIN_NODE = [20, 19];
const REDIS = { host: "127.0.0.1", port: 6379 };
const CHROMIUM = "/usr/bin/chromium";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const purpose = process.argv[2] ?? "test";
const needs = {
  test: { redis: true, chromium: true },
  demo: { redis: false, chromium: false },
  bench: { redis: true, chromium: false },
}[purpose];
if (!needs) fail(`unknown purpose "${purpose}": use test, demo or bench.`);

const sudo = process.getuid?.() === 0 ? "" : "sudo ";
const say = (line) => console.log(`switchboard: ${line}`);

checkNode();
if (needs.redis) await checkRedis();
if (needs.chromium) checkChromium();
const env = withPnpm();
run("pnpm", ["install", "--frozen-lockfile"], env);
run("pnpm", ["exec", "turbo", "run", "build", "--filter=./packages/*"], env);

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    fail(`Node ${process.versions.node} is too old: Switchboard needs Node ${MIN_NODE.join(".")} or newer.`);
  }
  say(`node ${process.versions.node} ✓`);
}

async function checkRedis() {
  const where = `${REDIS.host}:${REDIS.port}`;
  if (await redisAnswers()) return say(`redis at ${where} ✓`);
  if (!onPath("redis-server")) {
    fail(
      `the tests need a Redis server at ${where}, and none is installed.\n` +
        `  Install it:  ${sudo}apt-get install -y redis-server   (macOS: brew install redis)\n` +
        "  then run this command again; it starts redis-server itself.",
    );
  }
  say(`no Redis answers at ${where}: starting redis-server (nothing saved to disk)…`);
  const started = spawnSync(
    "redis-server",
    [
      "--daemonize",
      "yes",
      "--bind",
      REDIS.host,
      "--port",
      String(REDIS.port),
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: "inherit" },
  );
  for (let i = 0; started.status === 0 && i < 50; i++) {
    if (await redisAnswers()) return say(`redis at ${where} ✓ (started)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(
    `redis-server did not come up on ${where}.\n` +
      `  Start it by hand to see why:  redis-server --bind ${REDIS.host} --port ${REDIS.port} --save ""`,
  );
}

/** One PING over a raw socket: the client libraries are not installed yet. */
function redisAnswers() {
  return new Promise((resolve) => {
    const socket = connect(REDIS.port, REDIS.host);
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function checkChromium() {
  if (existsSync(CHROMIUM)) return say(`chromium at ${CHROMIUM} ✓`);
  fail(
    `the browser test needs Chromium at ${CHROMIUM}, and it is not there.\n` +
      `  Install it:  ${sudo}apt-get install -y chromium\n` +
      "  (npx playwright install does not help: the test drives the system Chromium.)",
  );
}

/**
 * pnpm 10 on PATH for everything this script runs: turbo looks for the `pnpm` binary by name, so
 * `npx pnpm@…` alone is not enough. A pnpm 10 already on PATH is used; otherwise npm fetches the
 * pinned version into its own cache (no global install) and we put that on PATH.
 */
function withPnpm() {
  const found = pnpmVersion(process.env);
  if (found?.startsWith("10.")) {
    say(`pnpm ${found} ✓`);
    return process.env;
  }
  const probe = spawnSync(
    "npm",
    [
      "exec",
      "--yes",
      `--package=pnpm@${PNPM_VERSION}`,
      "--",
      "node",
      "-e",
      "process.stdout.write(process.env.PATH)",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const bin =
    probe.status === 0
      ? probe.stdout.split(delimiter).find((dir) => isExecutable(join(dir, "pnpm")))
      : undefined;
  if (!bin) {
    fail(
      `could not fetch pnpm ${PNPM_VERSION} through npm (is the npm registry reachable?).\n` +
        `  Or install it yourself:  npm i -g pnpm@${PNPM_VERSION}`,
    );
  }
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
  say(`pnpm ${pnpmVersion(env)} ✓ (from npm's cache, not installed globally)`);
  return env;
}

function pnpmVersion(env) {
  const result = spawnSync("pnpm", ["--version"], { encoding: "utf8", env });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function onPath(command) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && isExecutable(join(dir, command)));
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command, args, env) {
  say(`${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0)
    fail(`\`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}).`);
}

function fail(message) {
  console.error(`\nswitchboard: ${message}\n`);
  process.exit(1);
}
