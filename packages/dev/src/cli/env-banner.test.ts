import { describe, expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "../wire/defaults";
import { credentialsBanner, devEnv, envBanner, switchboardDevCovers } from "./env-banner";

const standard = {
  url: "http://127.0.0.1:8080",
  token: DEFAULT_TOKEN,
  signingKeys: { ...DEFAULT_SIGNING_KEYS },
};
const routeExample = "# SWITCHBOARD_URL=http://localhost:3000/api/switchboard  # ← your route's URL";

describe("envBanner", () => {
  it("leads with SWITCHBOARD_DEV=1 on the default port and credentials, then every line", () => {
    const lines = envBanner(standard);
    const text = lines.join("\n");
    expect(text).toMatch(/With the default port and credentials, one line is enough:\nSWITCHBOARD_DEV=1\n/);
    expect(lines).toContain(routeExample);
    expect(lines.indexOf("SWITCHBOARD_DEV=1")).toBeLessThan(lines.indexOf(routeExample));
    expect(lines).toEqual(
      expect.arrayContaining([
        "QSTASH_URL=http://127.0.0.1:8080",
        `QSTASH_TOKEN=${DEFAULT_TOKEN}`,
        `QSTASH_CURRENT_SIGNING_KEY=${DEFAULT_SIGNING_KEYS.current}`,
        `QSTASH_NEXT_SIGNING_KEY=${DEFAULT_SIGNING_KEYS.next}`,
      ]),
    );
    // Without SWITCHBOARD_DEV=1 the route URL has no default: the full set says to uncomment it.
    expect(text).toMatch(/uncomment SWITCHBOARD_URL/);
    expect(text).not.toMatch(/UPSTASH_REDIS/);
  });

  it("says SWITCHBOARD_DEV=1 alone is not enough on another port, and prints the lines in force", () => {
    const lines = envBanner({ ...standard, url: "http://127.0.0.1:9090" });
    const text = lines.join("\n");
    expect(text).toMatch(/port 9090 .*SWITCHBOARD_DEV=1 alone is not enough/);
    expect(lines).not.toContain("SWITCHBOARD_DEV=1");
    expect(lines).toContain("QSTASH_URL=http://127.0.0.1:9090");
    expect(lines).toContain(routeExample);
  });

  it("says so for custom credentials, and prints those credentials", () => {
    const keys = { current: "sig_mine_current", next: "sig_mine_next" };
    const lines = envBanner({ ...standard, token: "t0ken", signingKeys: keys });
    expect(lines.join("\n")).toMatch(/custom token and signing keys.*SWITCHBOARD_DEV=1 alone is not enough/);
    expect(lines).toEqual(
      expect.arrayContaining([
        "QSTASH_TOKEN=t0ken",
        "QSTASH_CURRENT_SIGNING_KEY=sig_mine_current",
        "QSTASH_NEXT_SIGNING_KEY=sig_mine_next",
      ]),
    );
  });

  it("adds the Redis REST lines when the server fronts a Redis, in either case", () => {
    for (const server of [standard, { ...standard, url: "http://127.0.0.1:9090" }]) {
      const lines = envBanner({ ...server, redisRestUrl: "http://127.0.0.1:8079" });
      expect(lines).toContain("UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079");
      expect(lines).toContain(`UPSTASH_REDIS_REST_TOKEN=${server.token}`);
    }
    expect(envBanner({ ...standard, redisRestUrl: "http://127.0.0.1:8079" }).join("\n")).toMatch(
      /SWITCHBOARD_DEV=1 does not cover Redis/,
    );
  });
});

describe("devEnv and switchboardDevCovers", () => {
  it("give the values in force and whether SWITCHBOARD_DEV=1 stands in for them", () => {
    expect(devEnv({ ...standard, redisRestUrl: "http://127.0.0.1:8079" })).toEqual({
      QSTASH_URL: "http://127.0.0.1:8080",
      QSTASH_TOKEN: DEFAULT_TOKEN,
      QSTASH_CURRENT_SIGNING_KEY: DEFAULT_SIGNING_KEYS.current,
      QSTASH_NEXT_SIGNING_KEY: DEFAULT_SIGNING_KEYS.next,
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079",
      UPSTASH_REDIS_REST_TOKEN: DEFAULT_TOKEN,
    });
    expect(switchboardDevCovers(standard)).toBe(true);
    expect(switchboardDevCovers({ ...standard, url: "http://localhost:8080" })).toBe(false);
    expect(switchboardDevCovers({ ...standard, signingKeys: { ...DEFAULT_SIGNING_KEYS, next: "x" } })).toBe(
      false,
    );
  });
});

describe("credentialsBanner", () => {
  const closed = { publicBind: false, allowHosts: [], allowOrigins: [], allowQueryToken: false };

  it("says the default token is public and the server only answers loopback, same-origin requests", () => {
    const lines = credentialsBanner({ ...standard, credentials: "default" }, closed);
    expect(lines[0]).toMatch(/^Credentials: QStash's public development defaults/);
    expect(lines).toContain(
      "The default token is public, so this server only answers loopback, same-origin requests (see docs/dev-server.md#security).",
    );
  });

  it("warns when the public token meets an opened server, naming what opened it", () => {
    const lines = credentialsBanner(
      { ...standard, credentials: "default" },
      {
        publicBind: true,
        allowHosts: ["switchboard"],
        allowOrigins: ["http://localhost:3000"],
        allowQueryToken: true,
      },
    );
    const text = lines.join("\n");
    expect(text).toMatch(/Warning: the default token is public/);
    expect(text).toMatch(
      /IP-address Hosts \(--host\).*Host switchboard.*http:\/\/localhost:3000.*\?qstash_token=/,
    );
    expect(text).toMatch(/--random-credentials/);
  });

  it("names custom and random credentials, and what the server answers", () => {
    expect(credentialsBanner({ ...standard, token: "t", credentials: "custom" }, closed)).toEqual([
      "Credentials: custom (--token, --current-signing-key, --next-signing-key).",
      "This server only answers loopback, same-origin requests (see docs/dev-server.md#security).",
    ]);
    const random = credentialsBanner(
      { ...standard, token: "t", credentials: "random" },
      { ...closed, allowOrigins: ["http://localhost:3000"] },
    );
    expect(random[0]).toMatch(/^Credentials: random, new on every start \(--random-credentials\)/);
    expect(random[1]).toMatch(/also answers pages from http:\/\/localhost:3000 \(--allow-origin\)/);
  });

  it("names random credentials as the reason SWITCHBOARD_DEV=1 is not enough", () => {
    const lines = envBanner({
      ...standard,
      token: "t",
      signingKeys: { current: "a", next: "b" },
      credentials: "random",
    });
    expect(lines[0]).toMatch(/random credentials .*SWITCHBOARD_DEV=1 alone is not enough/);
  });
});
