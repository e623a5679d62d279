import { createServer, get, type IncomingMessage, type ServerResponse } from "node:http";
import { toNodeHandler } from "@switchboard/core/express";
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ListeningServer, listen } from "./listen";
import { sendOverSocket } from "./send-over-socket";

const encoder = new TextEncoder();
let server: ListeningServer;
let live: {
  controller: ReadableStreamDefaultController<Uint8Array>;
  cancelled: Promise<unknown>;
  signal: AbortSignal;
};
const TOTAL = 32 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** What the /bulk producer saw: no timer decides anything here, only the bridge's reads and writes. */
const bulk = {
  res: undefined as ServerResponse | undefined,
  pulledBytes: 0,
  /** Set when a write was refused (`res.write` returned false) until the next `drain`. */
  waitingForDrain: false,
  /** How often the bridge had to wait for drain. */
  waits: 0,
  /** Reads the bridge made while it should have been waiting for drain. */
  readsWhileWaiting: 0,
  onWait: () => {},
};

beforeAll(async () => {
  const app = express();
  app.get(
    "/events",
    toNodeHandler((request) => {
      let onCancel!: (reason: unknown) => void;
      const cancelled = new Promise((resolve) => (onCancel = resolve));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          live = { controller, cancelled, signal: request.signal };
        },
        cancel: onCancel,
      });
      return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
    }),
  );
  app.get(
    "/bulk",
    (_req, res, next) => {
      // Watch the bridge's writes: a refused write means it must not read again before `drain`.
      bulk.res = res;
      const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
      res.write = ((chunk: Uint8Array) => {
        const accepted = write(chunk);
        if (!accepted && !bulk.waitingForDrain) {
          bulk.waitingForDrain = true;
          bulk.waits++;
          bulk.onWait();
        }
        return accepted;
      }) as typeof res.write;
      res.on("drain", () => (bulk.waitingForDrain = false));
      next();
    },
    toNodeHandler(() => {
      const chunk = new Uint8Array(CHUNK).fill(120);
      // highWaterMark 0: the producer is pulled only when the bridge reads.
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (bulk.waitingForDrain) bulk.readsWhileWaiting++;
            if (bulk.pulledBytes >= TOTAL) return controller.close();
            bulk.pulledBytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(body);
    }),
  );
  app.get(
    "/cookies",
    toNodeHandler(() => {
      const headers = new Headers([
        ["Set-Cookie", "a=1; Path=/"],
        ["Set-Cookie", "b=2; HttpOnly"],
      ]);
      return new Response("ok", { status: 201, headers });
    }),
  );
  app.get(
    "/throws",
    toNodeHandler(() => {
      throw new Error("boom");
    }),
  );
  app.post(
    "/count",
    toNodeHandler(async (request) => {
      let bytes = 0;
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>)
        bytes += chunk.byteLength;
      return Response.json({ bytes });
    }),
  );
  app.post(
    "/first-chunk-only",
    toNodeHandler(async (request) => {
      const reader = (request.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await reader.cancel();
      return new Response("enough", { status: 413 });
    }),
  );
  app.post(
    "/echo",
    toNodeHandler((request) => new Response(request.body)),
  );
  server = await listen(createServer(app));
});
afterAll(() => server.close());

function open(path: string): Promise<{ res: IncomingMessage; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = get(`${server.origin}${path}`, (res) => resolve({ res, destroy: () => req.destroy() }));
    req.on("error", reject);
  });
}
const nextChunk = (res: IncomingMessage) =>
  new Promise<string>((resolve) => res.once("data", (d) => resolve(String(d))));

it("streams a Response incrementally and cancels it (and aborts the request) when the client leaves", async () => {
  const { res, destroy } = await open("/events"); // headers arrive before any event is written
  expect(res.headers["content-type"]).toBe("text/event-stream");
  const first = nextChunk(res);
  live.controller.enqueue(encoder.encode("data: one\n\n"));
  expect(await first).toBe("data: one\n\n");
  const second = nextChunk(res);
  live.controller.enqueue(encoder.encode("data: two\n\n"));
  expect(await second).toBe("data: two\n\n");
  destroy();
  await expect(live.cancelled).resolves.toBeUndefined();
  expect(live.signal.aborted).toBe(true);
});

it("waits for drain: a paused client stops the producer, and every byte arrives after it resumes", async () => {
  const waited = new Promise<void>((resolve) => (bulk.onWait = resolve));
  const { res } = await open("/bulk");
  res.pause(); // reads nothing: the kernel's buffers fill, then Node's, then a write is refused
  await waited;
  // The bridge stopped at the socket's buffers (a few MB at most), far from the end of the body,
  // and reads nothing more until `drain`, which only the client reading again can bring.
  expect(bulk.pulledBytes).toBeLessThan(TOTAL / 2);
  expect(bulk.res!.writableLength).toBeLessThanOrEqual(bulk.res!.writableHighWaterMark + CHUNK);
  let received = 0;
  res.on("data", (chunk: Buffer) => (received += chunk.byteLength));
  res.resume();
  await new Promise((resolve) => res.once("end", resolve));
  expect(received).toBe(TOTAL);
  expect(bulk.waits).toBeGreaterThanOrEqual(1);
  expect(bulk.readsWhileWaiting).toBe(0); // never read ahead of a refused write
});

it("keeps the status and every Set-Cookie header", async () => {
  const response = await fetch(`${server.origin}/cookies`);
  expect(response.status).toBe(201);
  expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
  expect(await response.text()).toBe("ok");
});

it("answers a throwing handler with Switchboard's JSON 500, not Express's error page", async () => {
  const response = await fetch(`${server.origin}/throws`);
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: { code: "HANDLER_FAILED", message: "boom" } });
});

it("streams a large request body to the handler without buffering it first, every byte intact", async () => {
  const answer = await sendOverSocket(server.origin, {
    path: "/count",
    bodyBytes: 8 * 1024 * 1024,
    framing: "chunked",
  });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ bytes: 8 * 1024 * 1024 });
});

it("stops reading the socket when the handler stops reading the body, and closes the connection", async () => {
  const total = 64 * 1024 * 1024;
  const answer = await sendOverSocket(server.origin, {
    path: "/first-chunk-only",
    bodyBytes: total,
    keepWriting: true,
  });
  expect(answer.status).toBe(413);
  expect(answer.closedByServer).toBe(true);
  // What the client could write is what the server read (1 MiB dropped after the answer) plus
  // loopback kernel buffers: far from all of it.
  expect(answer.bytesWritten).toBeLessThan(16 * 1024 * 1024);
});

it("gets the answer to a client still writing a body the handler stopped reading, however late it reads", async () => {
  const answer = await sendOverSocket(server.origin, {
    path: "/first-chunk-only",
    bodyBytes: 64 * 1024 * 1024,
    framing: "chunked",
    readAfterMs: 500,
  });
  expect(answer.status).toBe(413);
  expect(answer.bytesWritten).toBeLessThan(16 * 1024 * 1024);
});

it("answers 400 BAD_REQUEST as JSON, not a 500, when the Host header does not make a URL", async () => {
  for (const host of ["[::1", "a b", "x:99999", "user@example.com"]) {
    const answer = await sendOverSocket(server.origin, {
      path: "/count",
      headers: { Host: host },
      bodyBytes: 2,
    });
    expect(answer.status, host).toBe(400);
    expect(JSON.parse(answer.body).error.code, host).toBe("BAD_REQUEST");
  }
});

it("streams a request body back as the response (full duplex) without cutting it short", async () => {
  const total = 4 * 1024 * 1024;
  const answer = await sendOverSocket(server.origin, { path: "/echo", bodyBytes: total, framing: "chunked" });
  expect(answer.status).toBe(200);
  expect(answer.body.length).toBe(total);
});
