import { createSignedRequest, signPayload } from "@switchboard/core/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeRouteAttacks } from "./adapter-attacks";
import { type ContractFixture, createContractFixture, PUBLIC_URL, SIGNING_KEYS } from "./contract-fixture";

/** An adapter serving the fixture, as {@link AdapterUnderTest.start} returns it. */
export interface RunningAdapter {
  /** Where the route is mounted. Its host (and maybe path) differ from `PUBLIC_URL`, as behind a proxy. */
  url: string;
  /** Delivers a request the way the framework would. @default `fetch` over HTTP */
  fetch?(request: Request): Promise<Response>;
  /**
   * Where the same route is mounted behind something that reads the body first, the framework's
   * way (`express.json()`, a Hono middleware awaiting `c.req.json()`, Next's body parser, …).
   * Every adapter must answer there with `BODY_ALREADY_PARSED` and its fix, never a 401.
   */
  bodyConsumedUrl: string;
  close?(): Promise<void>;
}

/** How the contract suite starts an adapter: serve `fixture.routes` of `fixture.sb` with it. */
export interface AdapterUnderTest {
  start(fixture: ContractFixture): Promise<RunningAdapter>;
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/**
 * The route's contract (status codes, error bodies, signatures, hooks), run against one adapter with its real framework. Every adapter
 * test is a call to this plus the adapter's own set-up.
 *
 * @example
 * ```ts
 * import { runAdapterContract } from "@switchboard/test-utils";
 * import { serve } from "@switchboard/core/next";
 *
 * runAdapterContract("next (App Router)", {
 *   start: async ({ sb, routes }) => {
 *     const { POST } = serve(sb, routes);
 *     return {
 *       url: "http://localhost:3000/api/switchboard",
 *       bodyConsumedUrl: "http://localhost:3000/parsed",
 *       fetch: async (request) => {
 *         if (new URL(request.url).pathname === "/parsed") await request.text();
 *         return POST(request);
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function runAdapterContract(name: string, adapter: AdapterUnderTest): void {
  describe(`adapter contract: ${name}`, () => {
    const fixture = createContractFixture();
    const { sb, calls, echo, quiet, fail, notify } = fixture;
    let running: RunningAdapter;

    beforeAll(async () => {
      running = await adapter.start(fixture);
    });
    afterAll(async () => {
      await running?.close?.();
    });
    beforeEach(() => {
      calls.length = 0;
    });

    describeRouteAttacks(fixture, () => running);

    /** Sends a request built for the public URL to where the adapter listens, keeping the query. */
    async function deliver(request: Request, url = `${running.url}${new URL(request.url).search}`) {
      const body = request.method === "GET" ? undefined : await request.arrayBuffer();
      const forwarded = new Request(url, { method: request.method, headers: request.headers, body });
      return running.fetch ? running.fetch(forwarded) : fetch(forwarded);
    }
    /** A correctly signed request for any query, including ones the route does not serve. */
    async function signedFor(query: string, body: string, sign: { url?: string; issuedAt?: number } = {}) {
      const url = `${PUBLIC_URL}${query}`;
      const signature = await signPayload({
        key: SIGNING_KEYS.current,
        url: sign.url ?? url,
        body,
        issuedAt: sign.issuedAt,
      });
      return new Request(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Upstash-Signature": signature },
        body,
      });
    }
    async function expectError(response: Response, status: number, code: string) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe(code);
      if (status === 489) expect(response.headers.get("upstash-nonretryable-error")).toBe("true");
      return body;
    }

    it("200: runs the job and answers its return value as JSON", async () => {
      const response = await deliver(
        await createSignedRequest(sb, echo, { text: "hello" }, { retried: 2, messageId: "msg_c1" }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(await response.json()).toEqual({ text: "hello", length: 5, attempt: 3 });
      expect(calls).toEqual([
        { what: "echo", payload: { text: "hello" }, extra: { attempt: 3, messageId: "msg_c1" } },
      ]);
    });

    it("200: answers an empty body when the handler returns nothing", async () => {
      const response = await deliver(await createSignedRequest(sb, quiet, {}));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
      expect(calls.map((c) => c.what)).toEqual(["quiet"]);
    });

    it("200: delivers a channel subscriber, and only that subscriber", async () => {
      const event = { userId: "u1", title: "Hi" };
      const response = await deliver(await createSignedRequest(sb, notify, event, { subscriber: "sms" }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ texted: "u1" });
      expect(calls).toEqual([{ what: "notify:sms", payload: event }]);
    });

    it("accepts a signature made with the next signing key (key rotation)", async () => {
      const response = await deliver(
        await createSignedRequest(sb, echo, { text: "rotated" }, { signingKey: SIGNING_KEYS.next }),
      );
      expect(response.status).toBe(200);
    });

    it("verifies a ~1 MB body of multi-byte characters over its exact bytes", async () => {
      const text = "héllo wörld 😀 日本語 ".repeat(40_000);
      const request = await createSignedRequest(sb, echo, { text });
      expect((await request.clone().arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
      const response = await deliver(request);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { text: string }).text).toBe(text);
    });

    it("verifies a non-ASCII body (emoji, CJK) over its exact bytes", async () => {
      const text = "通知 🚀 Ünïcödé — 你好，世界 👩‍👩‍👧";
      const response = await deliver(await createSignedRequest(sb, echo, { text }));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ text });
    });

    it("checks `sub` against the public URL, not what a proxy did to the request URL", async () => {
      const request = await createSignedRequest(sb, echo, { text: "via proxy" });
      const rewritten = new URL(running.url); // another host and path, and the query dropped
      const response = await deliver(request, rewritten.href);
      expect(response.status).toBe(200);
      const headers = { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.internal" };
      expect(
        (await deliver(await createSignedRequest(sb, echo, { text: "via proxy" }, { headers }))).status,
      ).toBe(200);
    });

    it("runs the success hook with the payload and result (QStash callback)", async () => {
      const request = await createSignedRequest(
        sb,
        echo,
        { text: "done" },
        { messageId: "msg_ok", callback: { hook: "success", result: { ok: 1 } } },
      );
      const response = await deliver(request);
      expect(response.status).toBe(200);
      expect(calls).toEqual([
        {
          what: "echo:success",
          payload: { text: "done" },
          extra: { result: { ok: 1 }, messageId: "msg_ok" },
        },
      ]);
    });

    it("runs the failure hook with the payload and the failure (QStash failure callback)", async () => {
      const failure = {
        hook: "failure",
        status: 500,
        body: { error: { code: "HANDLER_FAILED", message: "SMTP timeout" } },
        dlqId: "dlq_1",
      } as const;
      const response = await deliver(
        await createSignedRequest(sb, echo, { text: "lost" }, { messageId: "msg_ko", callback: failure }),
      );
      expect(response.status).toBe(200);
      expect(calls).toMatchObject([
        {
          what: "echo:failure",
          payload: { text: "lost" },
          extra: { messageId: "msg_ko", error: { status: 500, message: "SMTP timeout", dlqId: "dlq_1" } },
        },
      ]);
    });

    describe("401 without running a handler", () => {
      const cases: [string, () => Promise<Request>][] = [
        [
          "no signature",
          async () => {
            const r = await createSignedRequest(sb, echo, { text: "a" });
            r.headers.delete("upstash-signature");
            return r;
          },
        ],
        [
          "a malformed signature",
          () =>
            createSignedRequest(sb, echo, { text: "a" }, { headers: { "Upstash-Signature": "not.a.jwt" } }),
        ],
        [
          "an expired signature",
          () => signedFor("?job=echo", '{"text":"a"}', { issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
        ],
        [
          "a tampered body",
          async () => {
            const r = await createSignedRequest(sb, echo, { text: "a" });
            return new Request(r, { body: '{"text":"b"}' });
          },
        ],
        [
          "a wrong signing key",
          () => createSignedRequest(sb, echo, { text: "a" }, { signingKey: "sig_someone_else" }),
        ],
        [
          "a `sub` for another URL",
          () => signedFor("?job=echo", '{"text":"a"}', { url: "https://evil.test/api/switchboard?job=echo" }),
        ],
        [
          "a `sub` for another job",
          () => signedFor("?job=echo", '{"text":"a"}', { url: `${PUBLIC_URL}?job=quiet` }),
        ],
      ];
      it.each(cases)("%s", async (_, build) => {
        const body = await expectError(await deliver(await build()), 401, "UNAUTHORIZED");
        expect(body.error.message).not.toBe("");
        expect(calls).toEqual([]);
      });
    });

    describe("489 non-retryable NOT_FOUND", () => {
      it.each([
        ["an unknown job", "?job=nope"],
        ["an unknown channel", "?channel=nope&subscriber=email"],
        ["an unknown subscriber", "?channel=notify&subscriber=fax"],
        ["a hook the job does not define", "?job=quiet&hook=success"],
        ["a malformed query", "?job=echo&channel=notify"],
        ["an unknown hook", "?job=echo&hook=later"],
      ])("%s", async (_, query) => {
        await expectError(await deliver(await signedFor(query, '{"text":"a"}')), 489, "NOT_FOUND");
        expect(calls).toEqual([]);
      });
    });

    it("489 INVALID_PAYLOAD for a body that is not JSON", async () => {
      const response = await deliver(
        await createSignedRequest(sb, echo, { text: "unsent" }, { rawBody: "not json {" }),
      );
      const body = await expectError(response, 489, "INVALID_PAYLOAD");
      expect(body.error.issues?.length).toBeGreaterThan(0);
    });

    it("489 INVALID_PAYLOAD with the schema's issues", async () => {
      const body = await expectError(
        await deliver(await createSignedRequest(sb, echo, { text: "unsent" }, { rawBody: '{"text":7}' })),
        489,
        "INVALID_PAYLOAD",
      );
      expect(body.error.issues).toEqual([expect.objectContaining({ path: "text" })]);
      expect(calls).toEqual([]);
    });

    it("489 NON_RETRIABLE for NonRetriableError", async () => {
      const body = await expectError(
        await deliver(await createSignedRequest(sb, fail, { mode: "non-retriable" })),
        489,
        "NON_RETRIABLE",
      );
      expect(body.error.message).toBe("the customer is gone");
    });

    it("429 with Retry-After for RetryAfterError", async () => {
      const response = await deliver(await createSignedRequest(sb, fail, { mode: "retry-after" }));
      await expectError(response, 429, "RETRY_LATER");
      expect(response.headers.get("retry-after")).toBe("42");
    });

    it("500 HANDLER_FAILED for any other throw", async () => {
      const body = await expectError(
        await deliver(await createSignedRequest(sb, fail, { mode: "throw" })),
        500,
        "HANDLER_FAILED",
      );
      expect(body.error.message).toBe("SMTP timeout");
    });

    it("500 BODY_ALREADY_PARSED with the fix when something read the body first", async () => {
      const request = await createSignedRequest(sb, echo, { text: "parsed" });
      const response = await deliver(request, `${running.bodyConsumedUrl}${new URL(request.url).search}`);
      const body = await expectError(response, 500, "BODY_ALREADY_PARSED");
      expect(body.error.message).toMatch(
        /read the request body before Switchboard could verify the raw bytes/,
      );
      expect(calls).toEqual([]);
    });

    it("405 for a method other than POST", async () => {
      const response = await deliver(new Request(`${PUBLIC_URL}?job=echo`, { method: "GET" }));
      await expectError(response, 405, "METHOD_NOT_ALLOWED");
      expect(response.headers.get("allow")).toBe("POST");
    });
  });
}
