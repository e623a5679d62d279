import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { z } from "zod";
import type { DeliveryContext } from "../context";
import { createSwitchboard } from "../create-switchboard";
import { createSignedRequest } from "../testing/create-signed-request";
import { toNodeHandler } from "./to-node-handler";

const keys = { current: "sig_current_key", next: "sig_next_key" };
const logger = { warn: vi.fn(), error: vi.fn() };
const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t" },
  signingKeys: keys,
  logger,
  context: ({ request }) => ({
    seen: { url: request.url, method: request.method, bodyUsed: request.bodyUsed },
  }),
});
type Seen = { seen: { url: string; method: string } };
let onRun: (ctx: DeliveryContext & Seen) => Promise<unknown> = async () => undefined;
const echo = sb.createJob({
  name: "echo",
  schema: z.object({ text: z.string() }),
  handler: (_payload, ctx) => onRun(ctx as DeliveryContext & Seen),
});
// Without a `context` factory, which would be given a `Request`.
const plain = createSwitchboard({ url: "https://app.example.com/api/plain", signingKeys: keys, logger });
const plainJob = plain.createJob({
  name: "plain",
  schema: z.object({ text: z.string() }),
  handler: () => ({ ok: true }),
});
const handler = toNodeHandler(sb.handler({ jobs: [echo] }));
const plainHandler = toNodeHandler(plain.handler({ jobs: [plainJob] }));
let onResponse: (res: ServerResponse) => void = () => {};
const server = createServer((req: IncomingMessage, res) => {
  onResponse(res);
  void (req.url?.startsWith("/api/plain") ? plainHandler : handler)(req, res);
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  vi.unstubAllGlobals();
  onRun = async () => undefined;
  onResponse = () => {};
  logger.warn.mockReset();
  logger.error.mockReset();
});

/** A signed delivery of `{ text }`, as its path, headers and body. */
async function delivery(text = "hi", to: "echo" | "plain" = "echo") {
  const signed =
    to === "echo"
      ? await createSignedRequest(sb, echo, { text }, { messageId: "msg_1" })
      : await createSignedRequest(plain, plainJob, { text });
  const url = new URL(signed.url);
  return {
    path: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(signed.headers),
    body: Buffer.from(await signed.arrayBuffer()),
  };
}

/** Sends over node:http (no fetch, so no `Request` is built on the client side either). */
function post(
  sent: Awaited<ReturnType<typeof delivery>>,
): Promise<{ status: number; body: string; headers: IncomingMessage["headers"] }> {
  return new Promise((resolve, reject) => {
    const client = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: sent.path, headers: sent.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    client.on("error", reject);
    client.end(sent.body);
  });
}

it("serves Switchboard's route from the Node request: no web Request or Response is built", async () => {
  const sent = await delivery("no web objects", "plain");
  let built = 0;
  // Counts every Request/Response constructed from here on, by anyone in this process.
  vi.stubGlobal(
    "Request",
    class extends Request {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args);
        built++;
      }
    },
  );
  vi.stubGlobal(
    "Response",
    class extends Response {
      constructor(...args: ConstructorParameters<typeof Response>) {
        super(...args);
        built++;
      }
    },
  );
  const answer = await post(sent);
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ ok: true });
  expect(answer.headers["content-type"]).toBe("application/json");
  expect(built).toBe(0);
});

it("gives the handler the delivery's headers, and the context factory a Request for the URL", async () => {
  const sent = await delivery();
  let ctx: (DeliveryContext & Seen) | undefined;
  onRun = async (c) => {
    ctx = c;
  };
  expect((await post(sent)).status).toBe(200);
  expect(ctx?.messageId).toBe("msg_1");
  expect(ctx?.headers.get("upstash-signature")).toBe(sent.headers["upstash-signature"]);
  expect(ctx?.headers).toBe(ctx?.headers); // built once
  expect(ctx?.seen).toEqual({
    url: `http://127.0.0.1:${port}${sent.path}`,
    method: "POST",
    bodyUsed: false,
  });
  expect(ctx?.signal.aborted).toBe(false);
});

it("aborts ctx.signal when the client disconnects while the handler runs", async () => {
  const sent = await delivery();
  let signal: AbortSignal | undefined;
  const aborted = new Promise<void>((resolve) => {
    onRun = (ctx) => {
      signal = ctx.signal;
      signal.addEventListener("abort", () => resolve());
      client.destroy();
      return new Promise(() => {}); // never answers: only the abort ends this
    };
  });
  const client = httpRequest({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: sent.path,
    headers: sent.headers,
  });
  client.on("error", () => {});
  client.end(sent.body);
  await aborted;
  expect(signal?.aborted).toBe(true);
});

it("gives an aborted ctx.signal to a handler that reads it after the client disconnected", async () => {
  const sent = await delivery();
  const gone = new Promise<void>((resolve) => {
    onResponse = (res) => res.once("close", () => resolve());
  });
  const read = new Promise<boolean>((resolve) => {
    onRun = async (ctx) => {
      client.destroy();
      await gone;
      resolve(ctx.signal.aborted);
    };
  });
  const client = httpRequest({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: sent.path,
    headers: sent.headers,
  });
  client.on("error", () => {});
  client.end(sent.body);
  expect(await read).toBe(true);
});

it("runs nothing for a client that disconnects mid-body, and logs why", async () => {
  const sent = await delivery();
  const ran = vi.fn();
  onRun = ran;
  const client = httpRequest({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: sent.path,
    headers: { ...sent.headers, "content-length": String(sent.body.byteLength + 1000) },
  });
  client.on("error", () => {});
  client.write(sent.body);
  client.flushHeaders();
  await vi.waitFor(() => expect(client.socket).toBeDefined());
  setImmediate(() => client.destroy());
  await vi.waitFor(() =>
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("Could not read the request body"),
      expect.anything(),
    ),
  );
  expect(ran).not.toHaveBeenCalled();
});
