import type { SigningKeys } from "@switchboard/wire";
import type { Client } from "@upstash/qstash";
import type { EnvRecord } from "./env";

/** How to reach QStash: a token and base URL, or an `@upstash/qstash` `Client` you built. */
export type QStashOption = { token?: string; baseUrl?: string } | Client;

/** What the `context` factory receives for each delivery. */
export interface ContextInput {
  request: Request;
  /** Per-request env (e.g. Hono's `c.env` on Cloudflare Workers), when the adapter has one. */
  env: EnvRecord | undefined;
}

/** Where Switchboard reports handler failures. Defaults to `console`. */
export interface SwitchboardLogger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/**
 * Configuration for {@link createSwitchboard}. Every field is optional when the matching
 * environment variable is set; env is read per call, never at import.
 */
export interface SwitchboardConfig<TContext extends object = object> {
  /**
   * Public URL of the one route, the URL QStash calls. Env: `SWITCHBOARD_URL`.
   * @example "https://app.example.com/api/switchboard"
   */
  url?: string;
  /** QStash credentials. Env: `QSTASH_TOKEN`, `QSTASH_URL` (the dev server locally). */
  qstash?: QStashOption;
  /** Signature keys. Env: `QSTASH_CURRENT_SIGNING_KEY`, `QSTASH_NEXT_SIGNING_KEY`. */
  signingKeys?: SigningKeys;
  /**
   * Verify QStash signatures on the route. Turning it off is only for routes behind another
   * authentication layer; it must be explicit.
   * @default true
   */
  verify?: boolean;
  /**
   * Seconds of clock skew tolerated on the signature's `exp` and `nbf`.
   * @default 5
   */
  clockTolerance?: number;
  /**
   * The largest request body the route reads, in bytes. A larger body is answered 413
   * `PAYLOAD_TOO_LARGE` without being buffered: a `Content-Length` above it is refused before
   * reading, and a body without one is counted and cut off at the limit. A request with no
   * `Upstash-Signature`, or one that is not a JWT, is refused (401) before any of the body is
   * read, whatever this says. The default is above twice QStash's largest published message size
   * (50 MB on fixed plans; 10 MB pay-as-you-go, 1 MB free), so no delivery, nor a callback that
   * carries one base64-encoded, is refused; lower it to your plan's limit (×1.5 for callbacks) to
   * bound memory further, raise it for an Enterprise plan with a custom limit.
   * @default 104857600 (100 MiB)
   * @example maxBodyBytes: 16 * 1024 * 1024
   */
  maxBodyBytes?: number;
  /**
   * Adds fields to every handler's context, e.g. a database client or a logger.
   * @example context: ({ request }) => ({ db, requestId: request.headers.get("x-request-id") })
   */
  context?: (input: ContextInput) => TContext | Promise<TContext>;
  /**
   * Messages per QStash batch request in `dispatchMany` and channel `publish`.
   * @default 100
   */
  batchSize?: number;
  /**
   * Where handler failures and refused deliveries are logged. In development (`NODE_ENV`
   * `development` or `test`) every refusal is logged with its fix; in production as one `warn`
   * line without payload contents.
   * @default console
   */
  logger?: SwitchboardLogger;
  /**
   * Development defaults, the same as env `SWITCHBOARD_DEV=1` (or `true`): every setting left
   * unset falls back to the local `switchboard dev` — `QSTASH_URL` `http://127.0.0.1:8080`, its
   * `QSTASH_TOKEN` and signing keys (QStash's documented local-development user), and the route
   * URL `http://localhost:3000/api/switchboard`. What you set, in config or env, always wins.
   * `false` turns the defaults off even when `SWITCHBOARD_DEV` is set. Under `NODE_ENV=production`
   * it throws a `CONFIGURATION` error at first use instead of running.
   * @default env `SWITCHBOARD_DEV` (off when unset)
   * @example createSwitchboard({ dev: process.env.NODE_ENV === "development" })
   */
  dev?: boolean;
  /**
   * Where channel digests and notification preferences keep their state, shared by every instance
   * of your app: an `@upstash/redis` `Redis` (serverless and edge), or an `ioredis` / `node-redis`
   * client on a long-running server. Without it that state lives in this process's memory, which
   * is only right for a single process (tests, `switchboard dev` on a laptop).
   * @default undefined (process memory)
   * @example redis: Redis.fromEnv()
   */
  redis?: SwitchboardRedis;
}

/**
 * A Redis client Switchboard can use: `@upstash/redis`'s `Redis`, an `ioredis` `Redis`, or a
 * connected `node-redis` client. Checked when the switchboard is created.
 */
export type SwitchboardRedis = object;
