import { describe, expect, it } from "vitest";
import { describeFailure, describeUnreachable } from "./describe-failure";

const route = "http://127.0.0.1:3000/api/switchboard?job=send-email";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("describeFailure", () => {
  it("prints a Switchboard error's code and whole message, however long, and never its stack", () => {
    const message = `Signature was issued for "http://localhost:3000/api/switchboard?job=send-email", but this route expects "http://127.0.0.1:3000/api/switchboard?job=send-email". Check that SWITCHBOARD_URL (or the \`url\` option) is the public URL QStash calls.`;
    const body = json({
      error: {
        code: "UNAUTHORIZED",
        message,
        stack: `SwitchboardError: ${message}\n    at verify (signature.ts:88:11)`,
      },
    });
    const text = describeFailure({ status: 401, body, url: route, method: "POST" });
    expect(text).toBe(`UNAUTHORIZED: ${message}`);
    expect(text).not.toMatch(/signature\.ts|\bat verify/);
  });

  it("adds the fix (or hint) when the error carries one", () => {
    const fixed = json({
      error: {
        code: "BODY_ALREADY_PARSED",
        message: "the body was parsed",
        fix: "mount the route before express.json()",
      },
    });
    expect(describeFailure({ status: 500, body: fixed, url: route, method: "POST" })).toBe(
      "BODY_ALREADY_PARSED: the body was parsed — fix: mount the route before express.json()",
    );
    const hinted = json({
      error: { code: "CONFIGURATION", message: "no QSTASH_TOKEN", hint: "run switchboard dev" },
    });
    expect(describeFailure({ status: 500, body: hinted, url: route, method: "POST" })).toBe(
      "CONFIGURATION: no QSTASH_TOKEN — fix: run switchboard dev",
    );
  });

  it("reads a QStash-style { error: string } and a { message } body in full", () => {
    const long = "x".repeat(400);
    expect(describeFailure({ status: 500, body: json({ error: long }), url: route, method: "POST" })).toBe(
      long,
    );
    expect(describeFailure({ status: 500, body: json({ message: long }), url: route, method: "POST" })).toBe(
      long,
    );
  });

  it("strips HTML before truncating a non-JSON body", () => {
    const page = `<!DOCTYPE html><html><head><title>Error</title><style>body{color:red}</style><script>var x=1</script></head><body><h1>Internal   Server Error</h1><p>${"boom ".repeat(100)}</p></body></html>`;
    const text = describeFailure({ status: 500, body: Buffer.from(page), url: route, method: "POST" });
    expect(text).toMatch(/^Error Internal Server Error boom boom/);
    expect(text).not.toMatch(/[<>]|color:red|var x/);
    expect(text.length).toBeLessThanOrEqual(201);
    expect(text.endsWith("…")).toBe(true);
  });

  it("says HTTP <status> when the body is empty", () => {
    expect(describeFailure({ status: 502, body: Buffer.alloc(0), url: route, method: "POST" })).toBe(
      "HTTP 502",
    );
  });

  it("names the path and asks about SWITCHBOARD_URL when nothing serves it (404 that is not Switchboard's)", () => {
    const next404 = Buffer.from(
      "<!DOCTYPE html><html><body><h1>404</h1><h2>This page could not be found.</h2></body></html>",
    );
    expect(
      describeFailure({
        status: 404,
        body: next404,
        url: "http://127.0.0.1:3000/api/jobs?job=x",
        method: "POST",
      }),
    ).toBe(
      "nothing serves /api/jobs on 127.0.0.1:3000 (404): does SWITCHBOARD_URL match the path of your route file?",
    );
    expect(
      describeFailure({
        status: 404,
        body: json({ error: "not found" }),
        url: "http://localhost/api/jobs",
        method: "POST",
      }),
    ).toBe(
      "nothing serves /api/jobs on localhost:80 (404): does SWITCHBOARD_URL match the path of your route file?",
    );
  });

  it("asks about the path and the exported method on a 405 that is not Switchboard's", () => {
    expect(
      describeFailure({
        status: 405,
        body: Buffer.alloc(0),
        url: "http://127.0.0.1:3000/api/jobs",
        method: "POST",
      }),
    ).toBe(
      "nothing serves POST /api/jobs on 127.0.0.1:3000 (405): does SWITCHBOARD_URL match the path of your route file, and does it export POST?",
    );
  });

  it("keeps a Switchboard error's own message on 404 and 405", () => {
    const body = json({ error: { code: "METHOD_NOT_ALLOWED", message: "the route only answers POST" } });
    expect(describeFailure({ status: 405, body, url: route, method: "GET" })).toBe(
      "METHOD_NOT_ALLOWED: the route only answers POST",
    );
  });
});

describe("describeUnreachable", () => {
  it("says the app is not running on that host and port when the connection is refused", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3000"), { code: "ECONNREFUSED" });
    const error = new TypeError("fetch failed", { cause });
    expect(describeUnreachable(error, "http://127.0.0.1:3000/api/switchboard?job=x")).toBe(
      "connection refused: your app is not running on 127.0.0.1:3000 (start it, or fix the host and port in SWITCHBOARD_URL)",
    );
  });

  it("says the host does not resolve", () => {
    const cause = Object.assign(new Error("getaddrinfo ENOTFOUND nope.invalid"), { code: "ENOTFOUND" });
    expect(describeUnreachable(new TypeError("fetch failed", { cause }), "http://nope.invalid:3000/x")).toBe(
      "cannot resolve the host nope.invalid: fix the host in SWITCHBOARD_URL",
    );
  });

  it("falls back to the underlying error's message", () => {
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(describeUnreachable(new TypeError("fetch failed", { cause }), route)).toBe("socket hang up");
  });
});
