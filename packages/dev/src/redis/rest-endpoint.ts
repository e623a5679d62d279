import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { admitRequest, queryTokenRefusal, type RequestGuard } from "../api/request-guard";
import { DevServerError } from "../dev-server-error";
import { urlHost } from "../url-host";
import { commandRefusal } from "./command-policy";
import { streamSubscription } from "./subscription-stream";

/** Options for {@link startRedisRest}. */
export interface RedisRestOptions {
  /** The real Redis behind the endpoint, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  port: number;
  host: string;
  /** The Bearer token clients must send. */
  token: string;
  /** Which Hosts and Origins are answered; the QStash API shares it. */
  guard: RequestGuard;
  /** Accept the token as `?_token=` too (`--allow-query-token`). @default false */
  allowQueryToken?: boolean;
  /**
   * Let FLUSHALL, FLUSHDB, SCRIPT FLUSH and FUNCTION FLUSH through (`--redis-allow-flush`).
   * Off by default: the Redis behind the dev server is often the developer's own.
   * @default false
   */
  allowFlush?: boolean;
  /**
   * The name every Redis connection of the endpoint gives itself (`CLIENT SETNAME`), so
   * `CLIENT LIST` shows which connections are the dev server's.
   * @default "switchboard-dev"
   */
  connectionName?: string;
}

/** A running Upstash-Redis-REST endpoint. */
export interface RedisRest {
  url: string;
  close(): Promise<void>;
}

type Reply = Buffer | string | number | null | Reply[] | { [field: string]: Reply };

/**
 * Serves the Upstash Redis REST protocol (as `serverless-redis-http` does) in front of a real
 * Redis: `POST /` with a JSON command array (or the path form `GET /set/k/v`), `/pipeline`,
 * `/multi-exec`, Bearer auth, `Upstash-Encoding: base64`, an increasing `upstash-sync-token` for
 * read-your-writes, and `/subscribe/{channel}` / `/psubscribe/{pattern}` as Server-Sent Events.
 * `@upstash/redis` works against it unchanged.
 *
 * Every request passes the `guard` first (no other site's page, no rebound Host), and the token
 * is read from the `Authorization` header only, unless `allowQueryToken` lets `?_token=` in.
 *
 * Commands go through {@link commandRefusal} first: what Upstash REST does not run (server
 * administration, connection state, blocking commands) is refused with `400 { error: "ERR …" }`
 * as Upstash does, so no client can wipe, stop or reconfigure the Redis behind it, nor change the
 * one connection every request shares.
 *
 * @example
 * ```ts
 * import { startRedisRest } from "./rest-endpoint";
 * import { createRequestGuard } from "../api/request-guard";
 * const guard = createRequestGuard({ host: "127.0.0.1" });
 * const rest = await startRedisRest({ redisUrl: "redis://127.0.0.1:6379", port: 0, host: "127.0.0.1", token: "t", guard });
 * await fetch(`${rest.url}/set/greeting/hello`, { headers: { Authorization: "Bearer t" } });
 * await rest.close();
 * ```
 */
export async function startRedisRest(options: RedisRestOptions): Promise<RedisRest> {
  // RESP2: Upstash REST answers in RESP2 shapes, which @upstash/redis expects.
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    protocol: 2,
    connectionName: options.connectionName ?? "switchboard-dev",
  });
  // ioredis reports connection errors as events; keep the last one for a useful start-up error.
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message.replace(/\.$/, "");
    throw new Error(`Cannot reach Redis at ${options.redisUrl} (${reason}): is redis-server running?`);
  }
  const policy = { allowFlush: options.allowFlush ?? false };
  const subscribers = new Set<Redis>();
  // Upstash's read-your-writes token. One Redis has no replica to wait for, so any increasing
  // value is honest: taken when the answer is sent, it orders answers as they complete.
  let syncToken = 0;

  const server: Server = createServer((req, res) => {
    if (!admitRequest(options.guard, req, res)) return;
    void handle(req, res).catch((error: unknown) =>
      send(res, error instanceof DevServerError ? error.status : 500, {
        error: String((error as Error).message ?? error),
      }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? "";
    const url = new URL(req.url ?? "/", "http://localhost");
    const fromQuery = url.searchParams.get("_token");
    if (!auth.startsWith("Bearer ") && fromQuery !== null && !options.allowQueryToken) {
      send(res, 401, { error: queryTokenRefusal("_token") });
      return;
    }
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : fromQuery;
    if (token !== options.token) {
      send(res, 401, {
        error: "Unauthorized: send `Authorization: Bearer <token>` with the dev server's token.",
      });
      return;
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const encode = (reply: Reply): unknown => encodeReply(reply, base64);
    const [first, ...rest] = pathSegments(url.pathname);

    if (first === "subscribe" || first === "psubscribe") {
      if (rest.length === 0) {
        send(res, 400, { error: `ERR ${first}: name a channel, e.g. /${first}/notifications.` });
        return;
      }
      await streamSubscription(redis, res, first, rest, subscribers);
      return;
    }
    const body = await readBody(req);
    const answer = (status: number, payload: unknown) =>
      send(res, status, payload, { "upstash-sync-token": String(++syncToken) });

    if (first === "pipeline" || first === "multi-exec") {
      const commands = parseCommands(body, true) as string[][];
      const refusals = commands.map((command) => commandRefusal(command, policy));
      const refused = refusals.find((refusal) => refusal !== undefined);
      // Upstash discards a whole transaction that holds an unsupported command.
      if (first === "multi-exec" && refused) {
        answer(400, { error: refused });
        return;
      }
      // MULTI … EXEC goes out as one write on the shared connection, so no other request's
      // command can land inside the transaction.
      const batch = first === "pipeline" ? redis.pipeline() : redis.multi();
      commands.forEach(([name, ...args], i) => {
        if (!refusals[i]) batch.callBuffer(name!, ...args);
      });
      let results: [Error | null, unknown][] = [];
      try {
        if (batch.length > 0) results = (await batch.exec()) ?? [];
      } catch (error) {
        // A command Redis refused while queueing aborts the whole transaction (EXECABORT).
        answer(400, { error: (error as Error).message });
        return;
      }
      const ran = results.values();
      answer(
        200,
        refusals.map((refusal) => {
          if (refusal) return { error: refusal };
          const [error, reply] = ran.next().value as [Error | null, unknown];
          return error ? { error: error.message } : { result: encode(reply as Reply) };
        }),
      );
      return;
    }
    // Single command: POST / with a JSON array, or the path form GET/POST /set/key/value.
    const command = first ? [first, ...rest] : (parseCommands(body, false) as string[]);
    const [name, ...args] = command;
    if (!name) {
      answer(400, { error: 'ERR Send a command as a JSON array, e.g. ["SET", "key", "value"].' });
      return;
    }
    const refusal = commandRefusal(command, policy);
    if (refusal) {
      answer(400, { error: refusal });
      return;
    }
    try {
      answer(200, { result: encode((await redis.callBuffer(name, ...args)) as Reply) });
    } catch (error) {
      answer(400, { error: (error as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    async close() {
      for (const subscriber of subscribers) subscriber.disconnect();
      subscribers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

function pathSegments(pathname: string): string[] {
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new DevServerError(400, "ERR The path is not valid percent-encoding.");
  }
}

function parseCommands(body: Buffer, many: boolean): string[] | string[][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8") || "[]");
  } catch {
    throw new DevServerError(400, "The body must be a JSON array.");
  }
  const toArgs = (command: unknown): string[] => {
    if (!Array.isArray(command) || command.length === 0)
      throw new DevServerError(400, "Each command must be a non-empty JSON array.");
    return command.map((part) => (typeof part === "string" ? part : JSON.stringify(part)));
  };
  if (!Array.isArray(parsed)) throw new DevServerError(400, "The body must be a JSON array.");
  return many ? parsed.map(toArgs) : toArgs(parsed);
}

function encodeReply(reply: Reply, base64: boolean): unknown {
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (typeof reply === "string") return base64 ? Buffer.from(reply).toString("base64") : reply;
  // ioredis turns HGETALL (and CONFIG GET, …) into objects; the REST protocol answers Redis's flat array.
  if (reply !== null && typeof reply === "object") {
    return Object.entries(reply).flatMap(([field, value]) => [
      encodeReply(field, base64),
      encodeReply(value, base64),
    ]);
  }
  return reply;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
