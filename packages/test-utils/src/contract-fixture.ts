import { createSwitchboard, NonRetriableError, RetryAfterError, type Routes } from "@switchboard/core";
import { z } from "zod";

/** The public URL the fixture's QStash messages are signed for (what QStash would call). */
export const PUBLIC_URL = "https://app.test/api/switchboard";

/** The fixture's signing keys: `next` is what QStash signs with after a key rotation. */
export const SIGNING_KEYS = { current: "sig_contract_current", next: "sig_contract_next" } as const;

/** The fixture's `maxBodyBytes`: small, so the size attacks stay cheap, above the ~1 MB body test. */
export const FIXTURE_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** What the odd job returns or throws: values that broke the route before it was hardened. */
export const ODD_MODES = [
  "bigint-result",
  "cycle-result",
  "throw-null-prototype",
  "throw-tostring-throws",
  "throw-message-getter-throws",
] as const;

/** One line the fixture's logger received. */
export interface FixtureLog {
  level: "warn" | "error";
  message: string;
}

/** One handler run the fixture saw, for asserting what ran (and what did not). */
export interface FixtureCall {
  what: string;
  payload: unknown;
  extra?: unknown;
}

/**
 * A switchboard with one job per row of the wire contract and a channel with two subscribers.
 * Every handler records its call in `calls`, so a test can assert a 401 never ran a handler.
 *
 * @example
 * ```ts
 * import { createContractFixture } from "@switchboard/test-utils";
 *
 * const fixture = createContractFixture();
 * const route = fixture.sb.handler(fixture.routes);
 * ```
 */
export function createContractFixture() {
  const calls: FixtureCall[] = [];
  const logs: FixtureLog[] = [];
  /** Set `throws` to make the logger throw after recording, as a broken log transport does. */
  const logger = { throws: false };
  const record = (level: FixtureLog["level"]) => (message: string) => {
    logs.push({ level, message: String(message) });
    if (logger.throws) throw new Error("the log transport is down");
  };
  const sb = createSwitchboard({
    url: PUBLIC_URL,
    signingKeys: SIGNING_KEYS,
    qstash: { token: "contract-token" },
    logger: { warn: record("warn"), error: record("error") },
    maxBodyBytes: FIXTURE_MAX_BODY_BYTES,
  });
  const echo = sb.createJob({
    name: "echo",
    schema: z.object({ text: z.string(), count: z.number().int().optional() }),
    handler: (payload, ctx) => {
      calls.push({ what: "echo", payload, extra: { attempt: ctx.attempt, messageId: ctx.messageId } });
      return { text: payload.text, length: payload.text.length, attempt: ctx.attempt };
    },
    onSuccess: ({ payload, result, messageId }) => {
      calls.push({ what: "echo:success", payload, extra: { result, messageId } });
    },
    onFailure: ({ payload, error, messageId }) => {
      calls.push({ what: "echo:failure", payload, extra: { error, messageId } });
    },
  });
  const quiet = sb.createJob({
    name: "quiet",
    schema: z.object({}),
    handler: (payload) => {
      calls.push({ what: "quiet", payload });
    },
  });
  const fail = sb.createJob({
    name: "fail",
    schema: z.object({ mode: z.enum(["non-retriable", "retry-after", "throw"]) }),
    handler: ({ mode }) => {
      calls.push({ what: "fail", payload: { mode } });
      if (mode === "non-retriable") throw new NonRetriableError("the customer is gone");
      if (mode === "retry-after") throw new RetryAfterError(42);
      throw new Error("SMTP timeout");
    },
  });
  const odd = sb.createJob({
    name: "odd",
    schema: z.object({ mode: z.enum(ODD_MODES) }),
    handler: ({ mode }): unknown => {
      calls.push({ what: "odd", payload: { mode } });
      if (mode === "bigint-result") return { chargedCents: 500n };
      if (mode === "cycle-result") {
        const result: Record<string, unknown> = { ok: true };
        result.self = result;
        return result;
      }
      if (mode === "throw-null-prototype") throw Object.create(null);
      if (mode === "throw-tostring-throws") {
        throw {
          toString() {
            throw new Error("toString is broken too");
          },
        };
      }
      const error = new Error("unread");
      Object.defineProperty(error, "message", {
        get() {
          throw new Error("message getter is broken");
        },
      });
      throw error;
    },
    onSuccess: ({ payload }) => {
      calls.push({ what: "odd:success", payload });
      return { chargedCents: 500n } as never;
    },
  });
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string(), title: z.string() }),
    subscribers: {
      email: (event, ctx) => {
        calls.push({ what: `notify:${ctx.subscriber}`, payload: event });
      },
      sms: {
        retries: 5,
        handler: (event, ctx) => {
          calls.push({ what: `notify:${ctx.subscriber}`, payload: event });
          return { texted: event.userId };
        },
      },
    },
  });
  const routes: Routes = { jobs: [echo, quiet, fail, odd], channels: [notify] };
  return { sb, calls, logs, logger, routes, echo, quiet, fail, odd, notify };
}

/** What {@link createContractFixture} returns. */
export type ContractFixture = ReturnType<typeof createContractFixture>;
