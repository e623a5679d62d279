import { evalScript } from "./eval-script";
import type { RedisDriver } from "./redis-driver";
import { decodeRedisReply } from "./redis-reply";
import { checkSubscription } from "./redis-subscriber";

/** The part of an `@upstash/redis` `Redis` the driver uses (never imported at run time). */
export interface UpstashLike {
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  evalsha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  /** The client's options; `automaticDeserialization: false` means replies come raw. */
  readonly opts?: { automaticDeserialization?: boolean } | undefined;
  subscribe?: (channel: string) => {
    on(event: "message", listener: (event: { message: unknown }) => void): void;
    on(event: "error", listener: (error: unknown) => void): void;
    unsubscribe(): Promise<void>;
  };
}

/** Whether `client` looks like an `@upstash/redis` `Redis`. */
export function isUpstash(client: Record<string, unknown>): boolean {
  return (
    typeof client.evalsha === "function" &&
    typeof client.pipeline === "function" &&
    typeof client.createScript === "function"
  );
}

/**
 * A {@link RedisDriver} over `@upstash/redis`: EVALSHA first like the TCP drivers (a script's
 * text crosses the network once per Redis, not once per call; a NOSCRIPT costs one extra round
 * trip, once), replies decoded by the client itself (or by {@link decodeRedisReply} when it was
 * built with `automaticDeserialization: false`). Errors carry Redis's message alone: the client's
 * wrapping (`Command failed: …`, `…, command was: [the whole script and its args]`) is removed.
 *
 * @example
 * ```ts
 * import { upstashDriver } from "./upstash-driver";
 * const driver = upstashDriver(Redis.fromEnv());
 * ```
 */
export function upstashDriver(redis: UpstashLike): RedisDriver {
  const raw = redis.opts?.automaticDeserialization === false;
  const driver: RedisDriver = {
    client: "upstash",
    eval: async (script, keys, args) => {
      const send = (command: "EVALSHA" | "EVAL", target: string, argv: string[]) => {
        const n = Number(argv[0]);
        const keyList = argv.slice(1, 1 + n);
        const argList = argv.slice(1 + n);
        return (
          command === "EVALSHA"
            ? redis.evalsha(target, keyList, argList)
            : redis.eval(target, keyList, argList)
        ).catch((error: unknown) => {
          throw withRedisMessage(error);
        });
      };
      const reply = await evalScript(send, script, keys, args);
      return raw ? decodeRedisReply(reply) : reply;
    },
  };
  if (typeof redis.subscribe === "function") {
    const subscribe = redis.subscribe.bind(redis);
    driver.subscribe = (channel, onMessage, onError) => {
      checkSubscription(channel, onMessage);
      const subscription = subscribe(channel);
      const report = (error: unknown) => {
        try {
          onError?.(error);
        } catch {
          // An error handler that throws has nowhere left to report to.
        }
      };
      subscription.on("message", ({ message }) => {
        try {
          onMessage(raw && typeof message === "string" ? decodeRedisReply(message) : message);
        } catch (error) {
          report(error);
        }
      });
      subscription.on("error", report);
      return () => void subscription.unsubscribe().catch(() => {});
    };
  }
  return driver;
}

const WRAPPED_PREFIX = /^Command (?:\d+ \[ \w+ \] )?failed: /;
const COMMAND_SUFFIX = ", command was: ";

/** Strips `@upstash/redis`'s additions from a Redis error message, in place (class and stack kept). */
function withRedisMessage(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  let message = error.message.replace(WRAPPED_PREFIX, "");
  // The suffix is the JSON of the command: cut at the first marker whose tail is that JSON.
  for (let at = message.indexOf(COMMAND_SUFFIX); at !== -1; at = message.indexOf(COMMAND_SUFFIX, at + 1)) {
    if (isJsonArray(message.slice(at + COMMAND_SUFFIX.length))) {
      message = message.slice(0, at);
      break;
    }
  }
  try {
    error.message = message;
  } catch {
    return new Error(message, { cause: error });
  }
  return error;
}

function isJsonArray(text: string): boolean {
  if (!text.startsWith("[")) return false;
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}
