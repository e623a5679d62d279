import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleQStashRequest } from "./api/handle-qstash-request";
import { admitRequest, createRequestGuard } from "./api/request-guard";
import { ChangeFeed } from "./dashboard/change-feed";
import { handleDashboardRequest, isDashboardPath } from "./dashboard/handle-dashboard-request";
import type { DevContext } from "./dev-context";
import { CronRunner } from "./engine/cron-runner";
import { DeliveryEngine } from "./engine/delivery-engine";
import { createReporter, type Reporter } from "./engine/reporter";
import { randomCredentials } from "./random-credentials";
import { startRedisRest } from "./redis/rest-endpoint";
import type { StoredSchedule } from "./store/model";
import { newStoredMessage } from "./store/new-stored-message";
import { StateStore } from "./store/state-store";
import { urlHost } from "./url-host";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./wire/defaults";
import { WorkflowRuns } from "./workflow/workflow-runs";

/**
 * Options for {@link startDevServer}.
 *
 * @example
 * ```ts
 * import { type DevServerOptions, startDevServer } from "@switchboard/dev";
 *
 * const options: DevServerOptions = { port: 0, speed: 1000, quiet: true };
 * const dev = await startDevServer(options);
 * ```
 */
export interface DevServerOptions {
  /** Port for the QStash API; `0` picks a free one. @default 8080 */
  port?: number;
  /**
   * Interface to listen on. A non-loopback one (`0.0.0.0`, a LAN address) also admits requests whose
   * `Host` is an IP address; names still need `allowHosts`. @default "127.0.0.1"
   */
  host?: string;
  /**
   * More names clients may reach the server by (`--allow-host`), e.g. a Docker service name or
   * `host.docker.internal`. Requests with any other non-loopback `Host` are refused (403), since a
   * web page can rebind a name of its own to 127.0.0.1. @default []
   */
  allowHosts?: string[];
  /**
   * Web page origins allowed to call both APIs from a browser (`--allow-origin`), e.g.
   * `http://localhost:3000`; they get CORS headers. Requests from any other page (a cross-site
   * `Origin`, or `Sec-Fetch-Site: cross-site`/`same-site`) are refused (403). @default []
   */
  allowOrigins?: string[];
  /**
   * Accept the token in the query string (`?qstash_token=` on the QStash API, `?_token=` on Redis
   * REST), as QStash and Upstash do. Off by default: a link or form on any page can carry one.
   * @default false
   */
  allowQueryToken?: boolean;
  /** Keep messages, schedules, queues and the DLQ here, so they survive a restart. @default memory only */
  dataDir?: string;
  /** Divide every wait (delays, retry backoff, Retry-After, cron) by this, to run retries in tests quickly. @default 1 */
  speed?: number;
  /** Also serve the Upstash Redis REST protocol in front of this Redis, e.g. `redis://127.0.0.1:6379`. */
  redisUrl?: string;
  /** Port for the Redis REST endpoint; `0` picks a free one. @default 8079 */
  redisPort?: number;
  /** Let Redis REST clients run FLUSHALL, FLUSHDB, SCRIPT FLUSH and FUNCTION FLUSH. @default false */
  redisAllowFlush?: boolean;
  /** The API token. @default QStash's local-development token */
  token?: string;
  /** The signing keys. @default QStash's local-development keys */
  signingKeys?: { current: string; next: string };
  /**
   * Use a random token and random `sig_` signing keys, new on every start (`--random-credentials`).
   * Cannot be combined with `token` or `signingKeys`. @default false
   */
  randomCredentials?: boolean;
  /** Print nothing. @default false */
  quiet?: boolean;
  /** Print one JSON object per event instead of human lines. @default false */
  json?: boolean;
  /**
   * Writes every line the server prints (one per delivery, or one JSON object per event with
   * `json`), each ending in a newline. A function of one line, not a logger object like the
   * switchboard's `logger`. @default writes to process.stdout
   */
  write?: (line: string) => void;
  /**
   * @deprecated Use `write`: the same function under a name that does not suggest the
   * switchboard's `{ info, warn, error }` logger.
   */
  logger?: (line: string) => void;
}

/** Where the credentials of a {@link DevServer} come from. */
export type CredentialsKind = "default" | "custom" | "random";

/** Whom a {@link DevServer} answers beyond loopback, same-origin requests (see `DevServerOptions`). */
export interface DevServerAccess {
  /** Listening beyond loopback (`host`), so IP-address Hosts are answered too. */
  publicBind: boolean;
  /** More Host names answered (`allowHosts`), normalised. */
  allowHosts: string[];
  /** Web page origins answered, with CORS (`allowOrigins`), normalised. */
  allowOrigins: string[];
  /** Whether a token in the query string is taken (`allowQueryToken`). */
  allowQueryToken: boolean;
}

/**
 * A running dev server.
 *
 * @example
 * ```ts
 * import { type DevServer, startDevServer } from "@switchboard/dev";
 *
 * const dev: DevServer = await startDevServer({ port: 0 });
 * process.env.QSTASH_URL = dev.url;
 * process.env.QSTASH_TOKEN = dev.token;
 * await dev.close();
 * ```
 */
export interface DevServer {
  /** The QStash API base URL: set `QSTASH_URL` to it. */
  url: string;
  /** The dashboard: open it in a browser to watch messages, retry dead letters and send jobs. */
  dashboardUrl: string;
  /** The API token (`QSTASH_TOKEN`), also the Redis REST token (`UPSTASH_REDIS_REST_TOKEN`). */
  token: string;
  /** The same shape `createSwitchboard({ signingKeys })` takes. */
  signingKeys: { current: string; next: string };
  /**
   * Which credentials are in force: QStash's public development `default`s, `custom` ones
   * (`token`/`signingKeys`), or `random` ones (`randomCredentials`).
   */
  credentials: CredentialsKind;
  /** Whom it answers besides loopback, same-origin requests with the token in the header. */
  access: DevServerAccess;
  /** The Upstash Redis REST URL, when `redisUrl` was given. */
  redisRestUrl?: string;
  /** `true` when state is kept on disk (`dataDir`). */
  durable: boolean;
  /** Stops delivering and listening. Stored messages resume on the next start with the same `dataDir`. */
  close(): Promise<void>;
}

/**
 * Starts a local QStash: the v2 REST API the official `@upstash/qstash` client calls, with
 * deliveries signed as QStash signs them, retries, callbacks, the DLQ, queues, schedules and flow
 * control. With `redisUrl` it also serves Upstash Redis REST in front of a real Redis.
 *
 * @example
 * ```ts
 * import { startDevServer } from "@switchboard/dev";
 * import { createSwitchboard } from "@switchboard/core";
 *
 * const dev = await startDevServer({ port: 0, speed: 100, quiet: true });
 * const sb = createSwitchboard({
 *   url: "http://127.0.0.1:3000/api/switchboard",
 *   qstash: { token: dev.token, baseUrl: dev.url },
 *   signingKeys: dev.signingKeys,
 * });
 * // … dispatch jobs; they are delivered over HTTP to your route …
 * await dev.close();
 * ```
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new TypeError(`startDevServer: speed must be a number > 0, got ${options.speed}.`);
  const host = options.host ?? "127.0.0.1";
  const guard = createRequestGuard({
    host,
    allowHosts: options.allowHosts ?? [],
    allowOrigins: options.allowOrigins ?? [],
  });
  const allowQueryToken = options.allowQueryToken ?? false;
  if (options.randomCredentials && (options.token !== undefined || options.signingKeys !== undefined))
    throw new TypeError("startDevServer: randomCredentials cannot be combined with token or signingKeys.");
  const random = options.randomCredentials ? randomCredentials() : undefined;
  const token = random?.token ?? options.token ?? DEFAULT_TOKEN;
  const signingKeys = random?.signingKeys ?? options.signingKeys ?? { ...DEFAULT_SIGNING_KEYS };
  const credentials: CredentialsKind = random
    ? "random"
    : token === DEFAULT_TOKEN &&
        signingKeys.current === DEFAULT_SIGNING_KEYS.current &&
        signingKeys.next === DEFAULT_SIGNING_KEYS.next
      ? "default"
      : "custom";
  const terminal: Reporter = createReporter(
    options.quiet ? "quiet" : options.json ? "json" : "pretty",
    options.write ?? options.logger,
  );
  // The dashboard's pages hear of every change: what the engine reports, and (below) every
  // request that may change state.
  const feed = new ChangeFeed(() => engine.lastEventSeq);
  const reporter: Reporter = {
    report(event) {
      terminal.report(event);
      feed.notify();
    },
  };
  const store = new StateStore(options.dataDir);
  const workflows = new WorkflowRuns();
  const engine = new DeliveryEngine({
    store,
    signingKey: signingKeys.current,
    speed,
    reporter,
    hooks: workflows.hooks,
  });
  const fireSchedule = (schedule: StoredSchedule) => {
    const now = Date.now();
    const message = newStoredMessage(schedule, {
      url: schedule.destination,
      body: schedule.body,
      callerIp: schedule.callerIp,
      notBefore: now + ((schedule.delaySeconds ?? 0) * 1000) / speed,
      createdAt: now,
      queueName: schedule.queueName,
      scheduleId: schedule.scheduleId,
    });
    engine.accept(message);
    store.put("schedules", schedule.scheduleId, { ...schedule, lastScheduleTime: now });
    reporter.report({
      type: "scheduled",
      scheduleId: schedule.scheduleId,
      messageId: message.messageId,
      url: schedule.destination,
    });
  };
  const cron = new CronRunner(speed, fireSchedule, (schedule, error) =>
    reporter.report({
      type: "schedule-failed",
      scheduleId: schedule.scheduleId,
      url: schedule.destination,
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  const ctx: DevContext = {
    store,
    engine,
    cron,
    speed,
    token,
    allowQueryToken,
    signingKeys,
    reporter,
    workflows,
  };
  for (const [key, entry] of store.state.dedup) if (entry.expires <= Date.now()) store.delete("dedup", key);

  const dashboard = {
    ctx,
    access: { token, tokenRequired: credentials !== "default" },
    feed,
    runSchedule: fireSchedule,
  };
  const server = createServer((req, res) => {
    if (!admitRequest(guard, req, res)) return;
    if (req.method !== "GET" && req.method !== "HEAD") res.once("finish", () => feed.notify());
    if (isDashboardPath(req.url)) void handleDashboardRequest(dashboard, req, res);
    else void handleQStashRequest(ctx, req, res);
  });
  await listen(server, options.port ?? 8080, host);
  const { port } = server.address() as AddressInfo;

  let redisRest: Awaited<ReturnType<typeof startRedisRest>> | undefined;
  if (options.redisUrl) {
    try {
      redisRest = await startRedisRest({
        redisUrl: options.redisUrl,
        port: options.redisPort ?? 8079,
        host,
        token,
        guard,
        allowQueryToken,
        allowFlush: options.redisAllowFlush ?? false,
      });
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
        throw new Error(portTaken(options.redisPort ?? 8079, host, "--redis-port"), { cause: error });
      throw error;
    }
  }
  // Resume only once listening: stored messages and schedules pick up where they stopped.
  engine.resume();
  for (const schedule of store.state.schedules.values()) cron.start(schedule);

  const url = `http://${urlHost(host)}:${port}`;
  return {
    url,
    dashboardUrl: `${url}/`,
    token,
    signingKeys,
    credentials,
    access: {
      publicBind: guard.publicBind,
      allowHosts: [...guard.allowHosts],
      allowOrigins: [...guard.allowOrigins],
      allowQueryToken,
    },
    ...(redisRest ? { redisRestUrl: redisRest.url } : {}),
    durable: store.durable,
    async close() {
      cron.close();
      engine.close();
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redisRest?.close();
      store.close();
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE" ? new Error(portTaken(port, host, "--port"), { cause: error }) : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

/** The message for a taken port, naming the flag that moves it. */
function portTaken(port: number, host: string, flag: "--port" | "--redis-port"): string {
  return `port ${port} on ${host} is taken (another switchboard dev?): stop it, or pass ${flag} <n>`;
}
