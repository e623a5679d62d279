import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { DevServerError } from "./dev-server-error";
import { urlHost } from "./url-host";

/** Options for {@link startRedisRest}. */
export interface RedisRestOptions {
  /** The real Redis behind the endpoint, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  port: number;
  host: string;
  /** The Bearer token clients must send. */
  token: string;
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
 * Redis: `POST /` with a JSON command array, `/pipeline`, `/multi-exec`, Bearer auth,
 * `Upstash-Encoding: base64`, and `/subscribe/{channel}` / `/psubscribe/{pattern}` as
 * Server-Sent Events. `@upstash/redis` works against it unchanged.
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
  const subscribers = new Set<Redis>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) =>
      send(res, error instanceof DevServerError ? error.status : 500, {
        error: String((error as Error).message ?? error),
      }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? "";
    const url = new URL(req.url ?? "/", "http://localhost");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : url.searchParams.get("_token");
    if (token !== options.token) {
      send(res, 401, {
        error: "Unauthorized: send `Authorization: Bearer <token>` with the dev server's token.",
      });
      return;
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const encode = (reply: Reply): unknown => encodeReply(reply, base64);
    const [first, ...rest] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);

    if (first === "subscribe" || first === "psubscribe") {
      await subscribe(res, first, rest);
      return;
    }
    const body = await readBody(req);
    if (first === "pipeline" || first === "multi-exec") {
      const commands = parseCommands(body, true) as string[][];
      const batch = first === "pipeline" ? redis.pipeline() : redis.multi();
      for (const [name, ...args] of commands) batch.callBuffer(name!, ...args);
      let results: [Error | null, unknown][];
      try {
        results = (await batch.exec()) ?? [];
      } catch (error) {
        // A command Redis refused while queueing aborts the whole transaction (EXECABORT).
        send(res, 400, { error: (error as Error).message });
        return;
      }
      send(
        res,
        200,
        results.map(([error, reply]) =>
          error ? { error: error.message } : { result: encode(reply as Reply) },
        ),
      );
      return;
    }
    // Single command: POST / with a JSON array, or the path form GET/POST /set/key/value.
    const command = first ? [first, ...rest] : (parseCommands(body, false) as string[]);
    const [name, ...args] = command;
    if (!name) {
      send(res, 400, { error: 'Send a command as a JSON array, e.g. ["SET", "key", "value"].' });
      return;
    }
    try {
      send(res, 200, { result: encode((await redis.callBuffer(name, ...args)) as Reply) });
    } catch (error) {
      send(res, 400, { error: (error as Error).message });
    }
  }

  async function subscribe(
    res: ServerResponse,
    kind: "subscribe" | "psubscribe",
    channels: string[],
  ): Promise<void> {
    if (channels.length === 0) {
      send(res, 400, { error: `${kind}: name a channel, e.g. /${kind}/notifications.` });
      return;
    }
    const subscriber = redis.duplicate();
    subscribers.add(subscriber);
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    });
    res.flushHeaders();
    const line = (data: string) => res.write(`data: ${data}\n\n`);
    subscriber.on("message", (channel: string, message: string) => line(`message,${channel},${message}`));
    subscriber.on("pmessage", (pattern: string, channel: string, message: string) =>
      line(`pmessage,${pattern},${channel},${message}`),
    );
    const count =
      kind === "subscribe"
        ? await subscriber.subscribe(...channels)
        : await subscriber.psubscribe(...channels);
    for (const channel of channels) line(`${kind},${channel},${count}`);
    res.on("close", () => {
      subscribers.delete(subscriber);
      subscriber.disconnect();
    });
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
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
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

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
