import { createSignedRequest, signPayload } from "@switchboard/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningAdapter } from "./adapter-contract";
import { type ContractFixture, FIXTURE_MAX_BODY_BYTES, PUBLIC_URL, SIGNING_KEYS } from "./contract-fixture";
import { sendOverSocket } from "./send-over-socket";

const MiB = 1024 * 1024;
/** Far above the fixture's limit: reading it all would show in the byte counts. */
const HUGE = 64 * MiB;
const CHUNK = 64 * 1024;

interface LargeAnswer {
  status: number;
  body: string;
  /** Bytes the adapter pulled (fetch) or let the client write (socket, kernel buffers included). */
  bytes: number;
  /** How many bytes count as "did not read the body": generous over a socket, tight for a stream. */
  unreadBound: number;
  /** How many bytes count as "stopped at the limit". */
  limitBound: number;
}

/**
 * Attacks every adapter must survive (adversarial review): bodies of any size before the
 * signature is looked at, results JSON cannot encode, thrown values that break `String()`,
 * a logger that throws, malformed encodings. Run by {@link runAdapterContract}.
 */
export function describeRouteAttacks(fixture: ContractFixture, adapter: () => RunningAdapter): void {
  const { sb, calls, logs, logger, odd } = fixture;
  afterEach(() => {
    logger.throws = false;
    logs.length = 0;
  });

  async function deliver(request: Request) {
    const running = adapter();
    const url = `${running.url}${new URL(request.url).search}`;
    const forwarded = new Request(url, {
      method: "POST",
      headers: request.headers,
      body: await request.arrayBuffer(),
    });
    return running.fetch ? running.fetch(forwarded) : fetch(forwarded);
  }

  /** Sends `bodyBytes` of body, never holding it in memory, and counts how much the route took. */
  async function sendLarge(options: {
    headers: Record<string, string>;
    bodyBytes: number;
    framing: "content-length" | "chunked";
    /** Over a socket: read nothing for this long, as a client busy writing does. */
    readAfterMs?: number;
  }): Promise<LargeAnswer> {
    const running = adapter();
    const { pathname } = new URL(running.url);
    if (!running.fetch) {
      const answer = await sendOverSocket(new URL(running.url).origin, {
        path: `${pathname}?job=echo`,
        headers: { "Content-Type": "application/json", ...options.headers },
        bodyBytes: options.bodyBytes,
        framing: options.framing,
        readAfterMs: options.readAfterMs,
      });
      // Loopback kernel buffers hold a few MiB the server never read (about 4 MiB here): allow 16.
      const buffers = 16 * MiB;
      return {
        ...answer,
        bytes: answer.bytesWritten,
        unreadBound: buffers,
        limitBound: FIXTURE_MAX_BODY_BYTES + buffers,
      };
    }
    let pulled = 0;
    const chunk = new Uint8Array(CHUNK).fill(0x61);
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= options.bodyBytes) return controller.close();
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const headers = new Headers({ "Content-Type": "application/json", ...options.headers });
    if (options.framing === "content-length") headers.set("Content-Length", String(options.bodyBytes));
    const request = new Request(`${running.url}?job=echo`, {
      method: "POST",
      headers,
      body,
      duplex: "half",
    } as RequestInit);
    const response = await running.fetch(request);
    return {
      status: response.status,
      body: await response.text(),
      bytes: pulled,
      unreadBound: 2 * CHUNK,
      limitBound: FIXTURE_MAX_BODY_BYTES + 2 * CHUNK,
    };
  }

  const code = (answer: { body: string }) =>
    (JSON.parse(answer.body) as { error: { code: string } }).error.code;
  /** A signature with the right shape (a JWT) that the route can only reject after reading the body. */
  const jwtShaped = () =>
    signPayload({ key: SIGNING_KEYS.current, url: `${PUBLIC_URL}?job=echo`, body: "{}" });

  describe("attacks: the body is bounded", () => {
    it("401 without reading a 64 MiB body that has no signature", async () => {
      const answer = await sendLarge({ headers: {}, bodyBytes: HUGE, framing: "content-length" });
      expect(answer.status).toBe(401);
      expect(code(answer)).toBe("UNAUTHORIZED");
      expect(answer.bytes).toBeLessThan(answer.unreadBound);
      expect(calls).toEqual([]);
    });

    it("401 without reading a chunked body whose signature is not a JWT", async () => {
      const answer = await sendLarge({
        headers: { "Upstash-Signature": "not-a-jwt" },
        bodyBytes: HUGE,
        framing: "chunked",
      });
      expect(answer.status).toBe(401);
      expect(answer.bytes).toBeLessThan(answer.unreadBound);
    });

    it("413 PAYLOAD_TOO_LARGE from Content-Length, before reading, even with a JWT-shaped signature", async () => {
      const answer = await sendLarge({
        headers: { "Upstash-Signature": await jwtShaped() },
        bodyBytes: HUGE,
        framing: "content-length",
      });
      expect(answer.status).toBe(413);
      expect(code(answer)).toBe("PAYLOAD_TOO_LARGE");
      expect(answer.bytes).toBeLessThan(answer.unreadBound);
      expect(calls).toEqual([]);
    });

    it("413 PAYLOAD_TOO_LARGE for a chunked body, reading no more than the limit, to a client slow to read", async () => {
      const answer = await sendLarge({
        headers: { "Upstash-Signature": await jwtShaped() },
        bodyBytes: HUGE,
        framing: "chunked",
        readAfterMs: 300,
      });
      expect(answer.status).toBe(413);
      expect(code(answer)).toBe("PAYLOAD_TOO_LARGE");
      expect(answer.bytes).toBeLessThan(answer.limitBound);
      expect(calls).toEqual([]);
    });
  });

  describe("attacks: a handler that returned is never run again for its return value", () => {
    it.each([
      ["a BigInt", "bigint-result", /BigInt/],
      ["a circular value", "cycle-result", /refers back to one of its parents|circular/i],
    ] as const)("200 when the result holds %s, logged with what to change", async (_, mode, why) => {
      const response = await deliver(await createSignedRequest(sb, odd, { mode }));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
      expect(calls.map((c) => c.what)).toEqual(["odd"]);
      const line = logs.find((l) => l.level === "error")?.message ?? "";
      expect(line).toMatch(/job "odd" returned a value JSON cannot encode/);
      expect(line).toMatch(why);
      expect(line).toMatch(/not run again/);
    });

    it("200 when a success hook returns a BigInt", async () => {
      const request = await createSignedRequest(
        sb,
        odd,
        { mode: "bigint-result" },
        { callback: { hook: "success" } },
      );
      const response = await deliver(request);
      expect(response.status).toBe(200);
      expect(calls.map((c) => c.what)).toEqual(["odd:success"]);
    });

    it("200 even when the logger throws too", async () => {
      logger.throws = true;
      const response = await deliver(await createSignedRequest(sb, odd, { mode: "bigint-result" }));
      expect(response.status).toBe(200);
    });
  });

  describe("attacks: any thrown value gives the JSON error and reaches the logger", () => {
    it.each(["throw-null-prototype", "throw-tostring-throws", "throw-message-getter-throws"] as const)(
      "%s: 500 HANDLER_FAILED as JSON, logged",
      async (mode) => {
        const response = await deliver(await createSignedRequest(sb, odd, { mode }));
        expect(response.status).toBe(500);
        expect(response.headers.get("content-type")).toMatch(/application\/json/);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("HANDLER_FAILED");
        expect(error.message).not.toBe("");
        expect(logs.some((l) => l.level === "error")).toBe(true);
      },
    );

    it("a logger that throws does not turn the answer into a crash", async () => {
      logger.throws = true;
      const response = await deliver(await createSignedRequest(sb, odd, { mode: "throw-null-prototype" }));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("HANDLER_FAILED");
      const refused = await deliver(
        await createSignedRequest(sb, odd, { mode: "bigint-result" }, { signingKey: "sig_wrong" }),
      );
      expect(refused.status).toBe(401);
    });
  });

  describe("attacks: malformed encodings are refused, never a 500", () => {
    it.each([
      ["a truncated escape", "?job=%E0%A4%A"],
      ["an invalid escape", "?job=%zz"],
      ["a lone surrogate", "?job=%ED%A0%80"],
      ["a NUL", "?job=echo%00"],
      ["a bare %", "?channel=%&subscriber=%"],
    ])("%s in the query", async (_, query) => {
      const url = `${PUBLIC_URL}${query}`;
      const body = '{"text":"a"}';
      const signed = new Request(url, {
        method: "POST",
        headers: { "Upstash-Signature": await signPayload({ key: SIGNING_KEYS.current, url, body }) },
        body,
      });
      for (const request of [signed, new Request(url, { method: "POST", body })]) {
        const response = await deliver(request);
        expect([400, 401, 489]).toContain(response.status);
        expect(response.headers.get("content-type")).toMatch(/application\/json/);
      }
      expect(calls).toEqual([]);
    });
  });
}
