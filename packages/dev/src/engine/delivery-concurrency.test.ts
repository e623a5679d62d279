import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../start-dev-server";

/** A sink that counts the requests it holds at once and the connections it was opened. */
interface CountingSink {
  url: string;
  arrived: string[];
  connections: number;
  concurrent: number;
  maxConcurrent: number;
  /** While set, requests are held unanswered until {@link release}. */
  holding: boolean;
  release(): void;
  close(): Promise<void>;
}

async function startCountingSink(): Promise<CountingSink> {
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse) => {
    sink.concurrent--;
    res.end();
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    sink.concurrent++;
    sink.maxConcurrent = Math.max(sink.maxConcurrent, sink.concurrent);
    req.resume();
    req.on("end", () => {
      sink.arrived.push(new URL(req.url ?? "/", "http://sink").searchParams.get("i") ?? "");
      if (sink.holding) held.push(res);
      else answer(res);
    });
  });
  const sink: CountingSink = {
    url: "",
    arrived: [],
    connections: 0,
    concurrent: 0,
    maxConcurrent: 0,
    holding: false,
    release() {
      sink.holding = false;
      for (const res of held.splice(0)) answer(res);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  server.on("connection", () => sink.connections++);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

let dev: DevServer;
let sink: CountingSink;
beforeEach(async () => {
  dev = await startDevServer({ port: 0, quiet: true });
  sink = await startCountingSink();
});
afterEach(async () => {
  await dev.close();
  await sink.close();
});

async function publishBatch(count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => ({
    destination: `${sink.url}/job?i=${i}`,
    body: String(i),
  }));
  const response = await fetch(`${dev.url}/v2/batch`, {
    method: "POST",
    headers: { Authorization: `Bearer ${dev.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(items),
  });
  expect(response.status).toBe(200);
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met within 15 s");
    await new Promise((tick) => setTimeout(tick, 5));
  }
}

describe("deliveries on the wire", () => {
  it("never has more than 128 deliveries at a destination at once; the first 128 due go first", async () => {
    sink.holding = true;
    await publishBatch(200);
    await until(() => sink.arrived.length === 128);
    // Every delivery is on hold: had the cap let more through, they would be arriving now.
    expect(sink.arrived.sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 128 }, (_, i) => String(i)),
    );
    sink.release();
    await until(() => sink.arrived.length === 200);
    expect(sink.maxConcurrent).toBe(128);
  });

  it("reuses keep-alive connections instead of opening one per delivery", async () => {
    await publishBatch(300);
    await until(() => sink.arrived.length === 300);
    expect(sink.connections).toBeLessThanOrEqual(128);
  });
});
