import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { answerHeader, DestinationClient } from "./destination-client";
import { OutgoingHeaders } from "./outgoing-headers";

const servers: Server[] = [];
const clients: DestinationClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(limit = 1024): DestinationClient {
  const made = new DestinationClient(4, limit);
  clients.push(made);
  return made;
}

const post = (url: string, headers = new OutgoingHeaders(), body = Buffer.from("hi")) => ({
  url,
  method: "POST",
  headers,
  body,
  timeoutMs: 60_000,
});

describe("DestinationClient", () => {
  it("sends method, headers and body, and reads status, headers and body back", async () => {
    let seen: { method?: string; headers?: IncomingMessage["headers"]; body?: string } = {};
    const url = await serve((req, res, body) => {
      seen = { method: req.method, headers: req.headers, body: body.toString() };
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.writeHead(503, { "Retry-After": "7" });
      res.end("busy");
    });
    const headers = new OutgoingHeaders();
    headers.set("Content-Type", "text/plain");
    headers.set("X-Tenant", "acme");
    headers.append("X-Tenant", "other");
    headers.set("Connection", "upgrade"); // a forwarded hop-by-hop header must not break the framing
    const answer = await client().send({ ...post(`${url}/job?x=1`, headers), method: "PUT" });
    expect(seen).toMatchObject({
      method: "PUT",
      body: "hi",
      headers: { "content-type": "text/plain", "x-tenant": "acme, other", "content-length": "2" },
    });
    expect(seen.headers?.connection).toBe("keep-alive");
    expect(answer.status).toBe(503);
    expect(answerHeader(answer.headers, "retry-after")).toBe("7");
    expect(answer.headers["Set-Cookie"]).toEqual(["a=1", "b=2"]);
    expect(answer.body.toString()).toBe("busy");
  });

  it("does not follow redirects", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { Location: "/elsewhere" });
      res.end();
    });
    const answer = await client().send(post(url));
    expect(answer.status).toBe(302);
    expect(answerHeader(answer.headers, "location")).toBe("/elsewhere");
  });

  it("reads a long body to its end and keeps only the limit", async () => {
    const url = await serve((_req, res) => res.end("x".repeat(10_000)));
    const answer = await client(100).send(post(url));
    expect(answer.body.toString()).toBe("x".repeat(100));
  });

  it("decodes a gzip answer, as fetch would", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500, { "Content-Encoding": "gzip" });
      res.end(gzipSync('{"error":"boom"}'));
    });
    expect((await client().send(post(url))).body.toString()).toBe('{"error":"boom"}');
  });

  it("keeps the limit of a compressed answer that decodes past it, decoded, not the compressed bytes", async () => {
    // 1 MB of text compresses to ~1 KB: a small answer on the wire that is large once decoded.
    const text = "the same error line, over and over\n".repeat(30_000);
    for (const [encoding, compress] of [
      ["gzip", gzipSync],
      ["deflate", deflateSync],
      ["br", brotliCompressSync],
    ] as const) {
      const url = await serve((_req, res) => {
        res.writeHead(500, { "Content-Encoding": encoding });
        res.end(compress(text));
      });
      const answer = await client(1000).send(post(url));
      expect(answer.body.toString(), encoding).toBe(text.slice(0, 1000));
    }
  });

  it("keeps a body that claims an encoding it does not have as received", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(502, { "Content-Encoding": "gzip" });
      res.end("Bad Gateway");
    });
    expect((await client().send(post(url))).body.toString()).toBe("Bad Gateway");
  });

  it("keeps the decoded start of a compressed answer cut at the limit on the wire", async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i * 7919}`).join("\n");
    const compressed = gzipSync(text);
    expect(compressed.length).toBeGreaterThan(4000);
    const url = await serve((_req, res) => {
      res.writeHead(500, { "Content-Encoding": "gzip" });
      res.end(compressed);
    });
    const answer = await client(2000).send(post(url));
    expect(answer.body.length).toBeGreaterThan(0);
    expect(answer.body.length).toBeLessThanOrEqual(2000);
    expect(text.startsWith(answer.body.toString())).toBe(true);
  });

  it("rejects with the socket error's code when nothing listens", async () => {
    const url = await serve(() => {});
    const port = new URL(url).port;
    const server = servers.pop()!;
    await new Promise((done) => server.close(done));
    await expect(client().send(post(`http://127.0.0.1:${port}/`))).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("rejects with DELIVERY_ABORTED when its key is aborted mid-answer, and ends the request", async () => {
    let received!: () => void;
    let closed!: () => void;
    const requestReceived = new Promise<void>((done) => (received = done));
    const requestClosed = new Promise<void>((done) => (closed = done));
    const url = await serve((_req, res) => {
      res.on("close", closed);
      res.write("partial"); // never ends
      received();
    });
    const one = client();
    const sent = one.send({ ...post(url), key: "msg_1" });
    await requestReceived;
    expect(one.abort("msg_1")).toBe(true);
    await expect(sent).rejects.toMatchObject({ code: "DELIVERY_ABORTED" });
    await requestClosed;
    expect(one.inflight).toBe(0);
    expect(one.abort("msg_1")).toBe(false);
  });

  it("rejects with DELIVERY_TIMEOUT past its timeout, each request by its own deadline", async () => {
    const url = await serve((req, res) => {
      if (req.url === "/slow")
        res.write("partial"); // never ends
      else res.end("ok");
    });
    const one = client();
    const slow = one.send({ ...post(`${url}/slow`), timeoutMs: 10 });
    const patient = one.send({ ...post(`${url}/slow`), timeoutMs: 60_000, key: "patient" });
    await expect(slow).rejects.toMatchObject({ code: "DELIVERY_TIMEOUT" });
    expect((await one.send({ ...post(url), timeoutMs: 10 })).status).toBe(200);
    expect(one.inflight).toBe(1); // the patient one still waits
    one.abort("patient");
    await expect(patient).rejects.toMatchObject({ code: "DELIVERY_ABORTED" });
  });

  it("sends the URL's host, a forwarded Host instead, and Basic credentials from the URL", async () => {
    const seen: IncomingMessage["headers"][] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers);
      res.end();
    });
    const withUser = url.replace("http://", "http://ada:p%40ss@");
    await client().send(post(`${withUser}/x`));
    const forwarded = new OutgoingHeaders();
    forwarded.set("Host", "app.test");
    await client().send(post(url, forwarded));
    expect(seen[0]?.host).toBe(new URL(url).host);
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from("ada:p@ss").toString("base64")}`);
    expect(seen[1]?.host).toBe("app.test");
    expect(seen[1]?.authorization).toBeUndefined();
  });

  it("sends GET without a body or Content-Length", async () => {
    let seen: IncomingMessage["headers"] = {};
    const url = await serve((req, res) => {
      seen = req.headers;
      res.end("ok");
    });
    const answer = await client().send({ ...post(url), method: "GET", body: undefined });
    expect(answer.body.toString()).toBe("ok");
    expect(seen["content-length"]).toBeUndefined();
    expect(seen["transfer-encoding"]).toBeUndefined();
  });

  it("closes with the requests under way rejected", async () => {
    const url = await serve((_req, res) => res.write("partial")); // never ends
    const one = client();
    const sent = one.send(post(url));
    setImmediate(() => one.close());
    await expect(sent).rejects.toMatchObject({ code: "DELIVERY_ABORTED" });
  });

  it("keeps connections open between requests", async () => {
    const sockets = new Set<Socket>();
    const url = await serve((req, res) => {
      sockets.add(req.socket);
      res.end("ok");
    });
    const one = client();
    for (let i = 0; i < 10; i++) expect((await one.send(post(url))).status).toBe(200);
    expect(sockets.size).toBe(1);
  });

  it("resends on a fresh connection when a reused one is closed before any answer, and only then", async () => {
    const served = new Set<Socket>();
    let connections = 0;
    const url = await serve((req, res) => {
      // The second request on a connection finds it closed, as when the server drops idle keep-alives.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      res.end("ok");
    });
    servers[0]!.on("connection", () => connections++);
    const one = client();
    expect((await one.send(post(url))).status).toBe(200);
    expect((await one.send(post(url))).status).toBe(200);
    expect(connections).toBe(2);

    const refusing = await serve((req) => void req.socket.destroy()); // a fresh connection reset: no resend
    await expect(client().send(post(refusing))).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
