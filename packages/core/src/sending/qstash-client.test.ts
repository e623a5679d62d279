import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { unreachableMessage } from "./qstash-unreachable";

// No msw here: these tests need real sockets on 127.0.0.1.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  vi.restoreAllMocks();
});

async function listen(onRequest: (request: import("node:http").IncomingMessage) => void = () => {}) {
  const server = createServer((request) => onRequest(request));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function jobAt(baseUrl: string) {
  const sb = createSwitchboard({
    url: "http://localhost:3000/api/switchboard",
    qstash: { token: "t", baseUrl },
  });
  return sb.createJob({ name: "j", schema: z.object({}), handler: () => {} });
}

describe("a QStash that cannot be reached", () => {
  it("on this machine: names the URL and `switchboard dev`, keeping the cause", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const port = await listen();
    await new Promise((resolve) => servers.pop()?.close(resolve)); // now nothing listens there
    const error = await jobAt(`http://127.0.0.1:${port}`)
      .dispatch({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
    expect((error as Error).message).toMatch(
      new RegExp(
        `could not reach QStash at http://127\\.0\\.0\\.1:${port} \\(econnrefused\\): is \`switchboard dev\` running\\?`,
      ),
    );
    expect((error as Error).message).toMatch(/qstash\.baseUrl/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("on this machine: tries once, not the SDK's 6 attempts over ~4.3 s", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    let connections = 0;
    // Each attempt reaches the server, which hangs up: the SDK retries such a failure.
    const port = await listen((request) => {
      connections++;
      request.socket.destroy();
    });
    const error = await jobAt(`http://127.0.0.1:${port}`)
      .dispatch({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
    expect(connections).toBe(1);
  });

  it("elsewhere: names the URL and what to check", () => {
    const dns = new TypeError("fetch failed", {
      cause: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }),
    });
    expect(
      unreachableMessage(dns, {
        baseUrl: "https://qstash.example.test",
        source: "QSTASH_URL=https://qstash.example.test",
      }),
    ).toBe(
      "could not reach QStash at https://qstash.example.test (no such host): check QSTASH_URL and the network (QSTASH_URL=https://qstash.example.test). Locally, run `switchboard dev` and set SWITCHBOARD_DEV=1 (or QSTASH_URL=http://127.0.0.1:8080).",
    );
  });

  it("finds the code inside an AggregateError (localhost resolving to ::1 and 127.0.0.1)", () => {
    const both = new TypeError("fetch failed", {
      cause: new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })], "connect"),
    });
    expect(
      unreachableMessage(both, {
        baseUrl: "http://localhost:8080",
        source: "QSTASH_URL=http://localhost:8080",
      }),
    ).toMatch(/is `switchboard dev` running\?/);
  });

  it("leaves QStash's own error answers alone", () => {
    expect(
      unreachableMessage(new Error("invalid token"), { baseUrl: "http://127.0.0.1:8080", source: "x" }),
    ).toBeUndefined();
  });
});
