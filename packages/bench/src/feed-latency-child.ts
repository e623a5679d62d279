// The other side of the latency bench, in a process of its own: "the browsers" (N raw SSE
// sockets to the streams' server) and "another instance" (a feed with its own store and Redis
// client that pushes). It stamps each push as it sends it and each `notification` as it arrives,
// on one clock, so no timestamps cross a process boundary. Driven over stdin/stdout, one JSON
// command per line, one JSON reply per line (see feed-latency-process.ts).
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { createFeed, redisFeedStore } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";

/** The first line: where Redis is and which keys the feed uses. */
export interface ChildConfig {
  redisUrl: string;
  token: string;
  prefix: string;
}

/** Then one command per line. */
export type ChildCommand =
  /** Open `n` streams (recipients `{round}-{i}`), resolved once each has sent `marker`. */
  | { cmd: "open"; port: number; n: number; round: number; marker: string }
  /** Push `pushes` items at random moments within `windowMs`, to distinct recipients when n allows. */
  | {
      cmd: "push";
      round: number;
      n: number;
      pushes: number;
      windowMs: number;
      pubsub: boolean;
      timeoutMs: number;
    }
  | { cmd: "close" };

/** Each command's reply: `latencies` (ms, push → event) for `push`, or what went wrong. */
export interface ChildReply {
  ok?: true;
  latencies?: number[];
  error?: string;
}

/** Streams opened at once: a burst of thousands would overflow the server's listen backlog. */
const OPENING = 200;
const schema = z.object({ title: z.string() });
const TITLE = /"title":"#(\d+)"/;

const lines = createInterface({ input: process.stdin });
const reply = (message: ChildReply) => process.stdout.write(`${JSON.stringify(message)}\n`);
let config: ChildConfig | undefined;
let writers: { pubsub: ReturnType<typeof makeWriter>; polling: ReturnType<typeof makeWriter> } | undefined;
let sockets: Socket[] = [];
/** Called with the push number of every `notification` that arrives. */
let onNotification: (push: number) => void = () => {};

function makeWriter(c: ChildConfig, pubsub: boolean) {
  const redis = new Redis({ url: c.redisUrl, token: c.token, enableTelemetry: false });
  return createFeed({ schema, store: redisFeedStore({ redis, prefix: c.prefix, pubsub }), maxItems: 50 });
}

function open(port: number, n: number, round: number, marker: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let ready = 0;
    const start = () => {
      const i = started++;
      const socket = connect(port, "127.0.0.1");
      socket.setNoDelay(true);
      sockets.push(socket);
      let seen = false;
      let tail = "";
      socket.on("data", (chunk: Buffer) => {
        const text = tail + chunk.toString("utf8");
        if (!seen && text.includes(marker)) {
          seen = true;
          if (++ready === n) resolve();
          else if (started < n) start();
        }
        // Whole events only: keep the unfinished one for the next chunk.
        const end = text.lastIndexOf("\n\n");
        tail = end < 0 ? text : text.slice(end + 2);
        if (end < 0) return;
        for (const event of text.slice(0, end).split("\n\n")) {
          if (!event.includes("event: notification")) continue;
          const match = TITLE.exec(event);
          if (match) onNotification(Number(match[1]));
        }
      });
      socket.on("error", (error) => reject(error));
      socket.write(
        `GET /feed?recipient=${round}-${i} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`,
      );
    };
    for (let k = 0; k < Math.min(OPENING, n); k++) start();
  });
}

async function push(command: Extract<ChildCommand, { cmd: "push" }>): Promise<number[]> {
  const { round, n, pushes, windowMs, timeoutMs } = command;
  const writer = command.pubsub ? writers!.pubsub : writers!.polling;
  // Distinct recipients (a shuffled deck, dealt again when pushes > n).
  const deck = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  const sent: number[] = [];
  const latencies: number[] = new Array(pushes);
  let arrived = 0;
  let failed: unknown;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const done = new Promise<void>((resolve, reject) => {
    onNotification = (k) => {
      if (sent[k] === undefined || latencies[k] !== undefined) return;
      latencies[k] = performance.now() - sent[k]!;
      if (++arrived === pushes) resolve();
    };
    const deadline = setTimeout(
      () => reject(new Error(`${pushes - arrived} of ${pushes} pushes never arrived within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timers.push(deadline);
    // Random moments across the window: every phase of a poll interval gets its share.
    for (let k = 0; k < pushes; k++) {
      const recipient = `${round}-${deck[k % n]}`;
      const at = Math.random() * windowMs;
      timers.push(
        setTimeout(() => {
          sent[k] = performance.now();
          writer.push(recipient, { title: `#${k}` }).catch((error: unknown) => {
            failed ??= error;
            reject(failed);
          });
        }, at),
      );
    }
  });
  try {
    await done;
  } finally {
    for (const t of timers) clearTimeout(t);
    onNotification = () => {};
  }
  return latencies;
}

lines.on("line", (line) => {
  if (!config) {
    config = JSON.parse(line) as ChildConfig;
    writers = { pubsub: makeWriter(config, true), polling: makeWriter(config, false) };
    reply({ ok: true });
    return;
  }
  const command = JSON.parse(line) as ChildCommand;
  const answer = (run: () => Promise<ChildReply>) =>
    run().then(reply, (error: unknown) => reply({ error: String(error) }));
  if (command.cmd === "open")
    answer(async () => {
      await open(command.port, command.n, command.round, command.marker);
      return { ok: true };
    });
  else if (command.cmd === "push") answer(async () => ({ latencies: await push(command) }));
  else {
    for (const s of sockets) s.destroy();
    sockets = [];
    reply({ ok: true });
  }
});
lines.on("close", () => process.exit(0));
