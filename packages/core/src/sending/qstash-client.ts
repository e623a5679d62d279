import { Client } from "@upstash/qstash";
import { DEV_DEFAULTS } from "../dev-defaults";
import { type EnvRecord, readEnv } from "../env";
import { SwitchboardError } from "../errors/switchboard-error";
import type { QStashOption } from "../switchboard-config";
import type { QStashEndpoint } from "./qstash-request";
import { isLoopback, unreachableMessage } from "./qstash-unreachable";

/** The QStash calls Switchboard makes; an `@upstash/qstash` `Client` has all of them. */
export type QStashClient = Pick<
  Client,
  "publishJSON" | "batchJSON" | "queue" | "schedules" | "messages" | "dlq"
>;

/** Where a client sends its requests, and which setting said so, for error messages. */
interface ClientOrigin {
  baseUrl: string;
  /** `QSTASH_URL=…`, `qstash.baseUrl`, `SWITCHBOARD_DEV`, … */
  source: string;
}

const clients = new Map<string, Client>();
const origins = new WeakMap<object, ClientOrigin>();
const endpoints = new WeakMap<object, QStashEndpoint>();

/**
 * Resolves the QStash client for a call: the `Client` passed in config, or one built from
 * `{ token, baseUrl }` and `QSTASH_TOKEN` / `QSTASH_URL`, read now rather than at import. With
 * `dev`, a missing token or URL is the local dev user's (see {@link DEV_DEFAULTS}).
 */
export function resolveQStash(option: QStashOption | undefined, env?: EnvRecord, dev = false): QStashClient {
  if (option && isClient(option)) return option;
  const token = option?.token ?? readEnv("QSTASH_TOKEN", env) ?? (dev ? DEV_DEFAULTS.qstashToken : undefined);
  if (!token) {
    throw new SwitchboardError(
      "CONFIGURATION",
      "No QStash token: set QSTASH_TOKEN, or pass `qstash: { token }` to createSwitchboard. Locally, run `switchboard dev` and set SWITCHBOARD_DEV=1 (or use the token it prints).",
    );
  }
  const origin = baseUrlOf(option, env, dev);
  const key = `${origin?.baseUrl ?? ""}\n${token}`;
  let client = clients.get(key);
  if (!client) {
    client = new Client({
      token,
      ...(origin ? { baseUrl: origin.baseUrl } : {}),
      // Switchboard resolves credentials itself: QSTASH_DEV must not make the SDK swap them for
      // its own dev server's (and download a binary to run it).
      devMode: false,
      // The SDK retries a failed connection 5 times over ~4.3 s (50·e^n ms). A dev server on
      // this machine that refuses a connection will not be up 4 s later: say so at once.
      ...(origin && isLoopback(origin.baseUrl) ? { retry: false as const } : {}),
    });
    clients.set(key, client);
    origins.set(client, origin ?? { baseUrl: DEFAULT_QSTASH_URL, source: "the default QStash URL" });
    const endpoint = sdkEndpoint(client, !(origin && isLoopback(origin.baseUrl)));
    if (endpoint) endpoints.set(client, endpoint);
  }
  return client;
}

const DEFAULT_QSTASH_URL = "https://qstash.upstash.io";

function baseUrlOf(option: QStashOption | undefined, env: EnvRecord | undefined, dev: boolean) {
  const configured = option && !isClient(option) ? option.baseUrl : undefined;
  if (configured) return { baseUrl: configured, source: "the `qstash.baseUrl` option" };
  const fromEnv = readEnv("QSTASH_URL", env);
  if (fromEnv) return { baseUrl: fromEnv, source: `QSTASH_URL=${fromEnv}` };
  if (dev) return { baseUrl: DEV_DEFAULTS.qstashUrl, source: "SWITCHBOARD_DEV's default" };
  return undefined;
}

/**
 * Where to send QStash requests directly, bypassing the SDK: only for a `Client` Switchboard built
 * itself (a user's `Client` may carry headers, retries or a fetch of its own, so it is always used).
 */
export function directEndpoint(client: QStashClient): QStashEndpoint | undefined {
  return endpoints.get(client);
}

/**
 * The base URL and authorization the SDK resolved (env, regions, trailing slash), read from the
 * pinned SDK's internals; if they are not where 2.12 keeps them, the SDK is used for everything.
 */
function sdkEndpoint(client: Client, retry: boolean): QStashEndpoint | undefined {
  const http = (client as unknown as { http?: { baseUrl?: unknown; authorization?: unknown } }).http;
  const baseUrl = http?.baseUrl;
  const authorization = http?.authorization;
  if (typeof baseUrl !== "string" || typeof authorization !== "string") return undefined;
  return { baseUrl, authorization, retry };
}

function isClient(option: QStashOption): option is Client {
  return typeof (option as Client).publishJSON === "function";
}

/**
 * Runs a QStash call, turning its failures into `PUBLISH_FAILED` with the cause kept. A QStash
 * that cannot be reached at all (connection refused, DNS failure) gets a message naming the URL
 * and, for this machine, `switchboard dev`.
 */
export async function callQStash<T>(what: string, client: QStashClient, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    const unreachable = unreachableMessage(error, origins.get(client) ?? sdkOrigin(client));
    const message = unreachable ?? (error instanceof Error ? error.message : String(error));
    throw new SwitchboardError("PUBLISH_FAILED", `${what} failed: ${message}`, { cause: error });
  }
}

/** The base URL of a `Client` the user built, read defensively from the SDK's internals. */
function sdkOrigin(client: QStashClient): ClientOrigin | undefined {
  const baseUrl = (client as { http?: { baseUrl?: unknown } }).http?.baseUrl;
  return typeof baseUrl === "string" ? { baseUrl, source: "the `qstash` Client you passed" } : undefined;
}
