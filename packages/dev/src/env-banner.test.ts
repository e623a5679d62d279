import { describe, expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./defaults";
import { devEnv, envBanner, switchboardDevCovers } from "./env-banner";

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
