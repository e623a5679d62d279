import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "../wire/defaults";

const cli = resolve(import.meta.dirname, "cli.ts");
const children: ChildProcess[] = [];

/** Runs the CLI as a real process; `until` decides when the output so far is enough. */
function run(
  args: string[],
  until: (stdout: string) => boolean = () => false,
): Promise<{ child: ChildProcess; stdout: string; stderr: string; code: number | null }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@switchboard/source", "--import", "tsx", cli, ...args],
    {
      cwd: resolve(import.meta.dirname, "../.."), // the package, where tsx resolves
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let stdout = "";
  let stderr = "";
  return new Promise((done, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`CLI gave no answer in 20 s: ${stdout}${stderr}`)),
      20_000,
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (until(stdout)) {
        clearTimeout(timer);
        done({ child, stdout, stderr, code: null });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ child, stdout, stderr, code });
    });
  });
}

const blockers: Server[] = [];

/** Holds a loopback port, as another `switchboard dev` would. */
async function takePort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(blockers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

describe("switchboard CLI", () => {
  it("prints help with every flag", async () => {
    const { stdout, code } = await run(["--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--port",
      "--host",
      "--data-dir",
      "--speed",
      "--redis-url",
      "--redis-port",
      "--redis-allow-flush",
      "--token",
      "--current-signing-key",
      "--next-signing-key",
      "--random-credentials",
      "--allow-query-token",
      "--allow-origin",
      "--allow-host",
      "--quiet",
      "--json",
    ])
      expect(stdout).toContain(flag);
  });

  it("rejects unknown flags, bad values and unknown commands with a clear message", async () => {
    const [unknown, badPort, badSpeed, command] = await Promise.all([
      run(["dev", "--prot", "8080"]),
      run(["dev", "--port", "eighty"]),
      run(["dev", "--speed", "0"]),
      run(["serve"]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown option '--prot'/);
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toMatch(/--port must be a whole number from 0 to 65535, got "eighty"/);
    expect(badSpeed.stderr).toMatch(/--speed must be a number > 0/);
    expect(command.code).toBe(1);
    expect(command.stderr).toMatch(/Unknown command: serve/);
  });

  it("prints the env lines to paste, says state is in memory, and stops cleanly on SIGTERM", async () => {
    const { child, stdout } = await run(
      ["dev", "--port", "0", "--redis-url", "redis://127.0.0.1:6379", "--redis-port", "0"],
      (out) => out.includes("UPSTASH_REDIS_REST_TOKEN="),
    );
    expect(stdout).toMatch(/QSTASH_URL=http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toContain(`QSTASH_TOKEN=${DEFAULT_TOKEN}\n`);
    expect(stdout).toContain(`QSTASH_CURRENT_SIGNING_KEY=${DEFAULT_SIGNING_KEYS.current}\n`);
    expect(stdout).toContain(`QSTASH_NEXT_SIGNING_KEY=${DEFAULT_SIGNING_KEYS.next}\n`);
    expect(stdout).toMatch(/UPSTASH_REDIS_REST_URL=http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toContain(`UPSTASH_REDIS_REST_TOKEN=${DEFAULT_TOKEN}\n`);
    expect(stdout).toMatch(/memory only/);
    expect(stdout).toMatch(/Credentials: QStash's public development defaults/);
    expect(stdout).toMatch(
      /The default token is public, so this server only answers loopback, same-origin requests/,
    );
    // A port other than 8080: the one-line switch would point at the wrong server.
    expect(stdout).toMatch(/SWITCHBOARD_DEV=1 alone is not enough/);
    expect(stdout).not.toMatch(/^SWITCHBOARD_DEV=1$/m);
    expect(stdout).toContain(
      "# SWITCHBOARD_URL=http://localhost:3000/api/switchboard  # ← your route's URL\n",
    );
    const url = /QSTASH_URL=(\S+)/.exec(stdout)![1]!;
    const keys = await fetch(`${url}/v2/keys`, { headers: { Authorization: `Bearer ${DEFAULT_TOKEN}` } });
    expect(await keys.json()).toEqual(DEFAULT_SIGNING_KEYS);
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("prints a ready object with the env lines under --json, and no banner", async () => {
    const { stdout } = await run(["dev", "--port", "0", "--json"], (out) => out.includes("\n"));
    const ready = JSON.parse(stdout.split("\n")[0]!);
    expect(ready).toMatchObject({
      type: "ready",
      durable: false,
      switchboardDev: false,
      credentials: "default",
      routeUrlExample: "http://localhost:3000/api/switchboard",
      env: { QSTASH_TOKEN: DEFAULT_TOKEN, QSTASH_CURRENT_SIGNING_KEY: DEFAULT_SIGNING_KEYS.current },
    });
    expect(ready.env.QSTASH_URL).toBe(ready.url);
    expect(stdout).not.toMatch(/Paste/);
  });

  it("takes --token and both signing keys, and says the credentials are custom", async () => {
    const { stdout } = await run(
      [
        "dev",
        "--port",
        "0",
        "--token",
        "t0ken",
        "--current-signing-key",
        "sig_a",
        "--next-signing-key",
        "sig_b",
      ],
      (out) => out.includes("QSTASH_NEXT_SIGNING_KEY="),
    );
    expect(stdout).toMatch(/Credentials: custom/);
    expect(stdout).not.toMatch(/default token is public/);
    expect(stdout).toContain("QSTASH_TOKEN=t0ken\n");
    expect(stdout).toContain("QSTASH_CURRENT_SIGNING_KEY=sig_a\n");
    expect(stdout).toContain("QSTASH_NEXT_SIGNING_KEY=sig_b\n");
    const url = /QSTASH_URL=(\S+)/.exec(stdout)![1]!;
    const keys = await fetch(`${url}/v2/keys`, { headers: { Authorization: "Bearer t0ken" } });
    expect(await keys.json()).toEqual({ current: "sig_a", next: "sig_b" });
  });

  it("makes random credentials with --random-credentials, and says so in the ready object", async () => {
    const { stdout } = await run(
      ["dev", "--port", "0", "--json", "--random-credentials", "--allow-origin", "http://localhost:3000"],
      (out) => out.includes("\n"),
    );
    const ready = JSON.parse(stdout.split("\n")[0]!);
    expect(ready).toMatchObject({
      credentials: "random",
      switchboardDev: false,
      access: {
        allowOrigins: ["http://localhost:3000"],
        allowHosts: [],
        allowQueryToken: false,
        publicBind: false,
      },
    });
    expect(ready.env.QSTASH_TOKEN).not.toBe(DEFAULT_TOKEN);
    expect(ready.env.QSTASH_CURRENT_SIGNING_KEY).toMatch(/^sig_[A-Za-z0-9]{28}$/);
    const keys = await fetch(`${ready.url}/v2/keys`, {
      headers: { Authorization: `Bearer ${ready.env.QSTASH_TOKEN}` },
    });
    expect(await keys.json()).toEqual({
      current: ready.env.QSTASH_CURRENT_SIGNING_KEY,
      next: ready.env.QSTASH_NEXT_SIGNING_KEY,
    });
  });

  it("refuses credential and access flags that do not fit together, saying which", async () => {
    const [both, oneKey, emptyToken, origin, host] = await Promise.all([
      run(["dev", "--random-credentials", "--token", "t"]),
      run(["dev", "--current-signing-key", "sig_a"]),
      run(["dev", "--token", ""]),
      run(["dev", "--port", "0", "--allow-origin", "localhost:3000"]),
      run(["dev", "--port", "0", "--allow-host", "http://switchboard/"]),
    ]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--random-credentials cannot be combined with --token/);
    expect(oneKey.stderr).toMatch(/pass both --current-signing-key and --next-signing-key/);
    expect(emptyToken.stderr).toMatch(/--token must not be empty/);
    expect(origin.code).toBe(1);
    expect(origin.stderr).toMatch(
      /--allow-origin: "localhost:3000" is not an origin.*http:\/\/localhost:3000/,
    );
    expect(host.stderr).toMatch(/--allow-host: "http:\/\/switchboard\/" is not a host name/);
  });

  it("names a taken QStash port and the flag that moves it", async () => {
    const port = await takePort();
    const { code, stderr } = await run(["dev", "--port", String(port)]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `switchboard: port ${port} on 127.0.0.1 is taken (another switchboard dev?): stop it, or pass --port <n>\n`,
    );
  });

  it("names a taken Redis REST port and the flag that moves it", async () => {
    const port = await takePort();
    const { code, stderr } = await run([
      "dev",
      "--port",
      "0",
      "--redis-url",
      "redis://127.0.0.1:6379",
      "--redis-port",
      String(port),
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `switchboard: port ${port} on 127.0.0.1 is taken (another switchboard dev?): stop it, or pass --redis-port <n>\n`,
    );
  });

  it("fails with a clear message when Redis is unreachable", async () => {
    const { code, stderr } = await run([
      "dev",
      "--port",
      "0",
      "--redis-url",
      "redis://127.0.0.1:1",
      "--redis-port",
      "0",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*is redis-server running\?/);
  });
});
