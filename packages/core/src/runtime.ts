import type { RedisDriver, SigningKeys } from "@switchboard/wire";
import {
  destinationUrl,
  RESERVED_QUERY_NAMES,
  type RouteTarget,
  toRedisDriver,
  WireError,
} from "@switchboard/wire";
import { DEV_DEFAULTS } from "./dev-defaults";
import { isDevMode } from "./dev-mode";
import { type EnvRecord, readEnv } from "./env";
import { SwitchboardError } from "./errors/switchboard-error";
import { DEFAULT_MAX_BODY_BYTES } from "./route/read-body";
import { type QStashClient, resolveQStash } from "./sending/qstash-client";
import type { SwitchboardConfig, SwitchboardLogger } from "./switchboard-config";

/** What jobs, channels and the route share from one switchboard. Internal. */
export interface Runtime {
  readonly config: SwitchboardConfig<object>;
  readonly batchSize: number;
  /** `config.maxBodyBytes`, or its default. */
  readonly maxBodyBytes: number;
  readonly logger: SwitchboardLogger;
  /** The exact URL QStash calls for a target. Throws `CONFIGURATION` without a route URL. */
  destination(target: RouteTarget, env?: EnvRecord): string;
  qstash(env?: EnvRecord): QStashClient;
  signingKeys(env?: EnvRecord): SigningKeys | undefined;
  /**
   * Whether development defaults apply (`dev` option, else `SWITCHBOARD_DEV`). Throws
   * `CONFIGURATION` under `NODE_ENV=production`. Every accessor above calls it first.
   */
  dev(env?: EnvRecord): boolean;
  /** `config.redis` as a driver; `undefined` means state lives in this process's memory. */
  readonly redis: RedisDriver | undefined;
}

/** Builds the runtime, validating what can be validated without reading env. */
export function createRuntime(config: SwitchboardConfig<object>): Runtime {
  if (config === null || typeof config !== "object") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "createSwitchboard: pass a config object, e.g. createSwitchboard({}).",
    );
  }
  if (config.url !== undefined) checkUrl(config.url, "createSwitchboard: url");
  const batchSize = config.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `createSwitchboard: batchSize must be a whole number >= 1, got ${batchSize}.`,
    );
  }
  const tolerance = config.clockTolerance ?? 5;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new SwitchboardError("INVALID_OPTIONS", "createSwitchboard: clockTolerance must be seconds >= 0.");
  }
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `createSwitchboard: maxBodyBytes must be a whole number of bytes >= 1, got ${String(maxBodyBytes)}.`,
    );
  }
  if (config.dev !== undefined && typeof config.dev !== "boolean") {
    throw new SwitchboardError("INVALID_OPTIONS", "createSwitchboard: dev must be true or false.");
  }
  if (config.signingKeys !== undefined && typeof config.signingKeys?.current !== "string") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "createSwitchboard: signingKeys must be { current: string, next?: string } (QStash console → Signing keys).",
    );
  }
  const dev = (env?: EnvRecord) => isDevMode(config.dev, env);
  const redis = config.redis === undefined ? undefined : redisDriver(config.redis);
  return {
    redis,
    config,
    batchSize,
    maxBodyBytes,
    logger: config.logger ?? console,
    dev,
    destination(target, env) {
      const inDev = dev(env);
      const base = config.url ?? readEnv("SWITCHBOARD_URL", env) ?? (inDev ? DEV_DEFAULTS.url : undefined);
      if (!base) {
        throw new SwitchboardError(
          "CONFIGURATION",
          "No route URL: set SWITCHBOARD_URL to the public URL of your Switchboard route (e.g. https://app.example.com/api/switchboard), or pass `url` to createSwitchboard. Locally, SWITCHBOARD_DEV=1 defaults it to http://localhost:3000/api/switchboard.",
        );
      }
      if (config.url === undefined) checkUrl(base, "SWITCHBOARD_URL");
      return destinationUrl(base, target);
    },
    qstash: (env) => resolveQStash(config.qstash, env, dev(env)),
    signingKeys(env) {
      const inDev = dev(env);
      if (config.signingKeys) return config.signingKeys;
      const current = readEnv("QSTASH_CURRENT_SIGNING_KEY", env);
      // The dev keys come as a pair: never mix your current key with the public dev next key.
      if (!current) return inDev ? DEV_DEFAULTS.signingKeys : undefined;
      return { current, next: readEnv("QSTASH_NEXT_SIGNING_KEY", env) };
    },
  };
}

function redisDriver(client: unknown): RedisDriver {
  try {
    return toRedisDriver(client, "createSwitchboard: redis");
  } catch (error) {
    if (error instanceof WireError) throw new SwitchboardError("INVALID_OPTIONS", error.message);
    throw error;
  }
}

function checkUrl(value: string, option: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SwitchboardError("CONFIGURATION", `${option}: "${value}" is not an absolute URL (https://…).`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SwitchboardError("CONFIGURATION", `${option}: "${value}" must use http or https.`);
  }
  for (const reserved of RESERVED_QUERY_NAMES) {
    if (url.searchParams.has(reserved)) {
      throw new SwitchboardError(
        "CONFIGURATION",
        `${option}: the query parameter "${reserved}" is reserved for routing.`,
      );
    }
  }
}
