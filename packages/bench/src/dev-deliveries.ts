import { mkdtemp, rm } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { Client } from "@upstash/qstash";
import { interleave } from "./interleave";
import { listen } from "./listen";
import { post } from "./post";
import { type BenchResult, figure, percentile, spread } from "./result";

/** A loopback endpoint that counts arrivals and wakes whoever waits for the n-th. */
async function sink() {
  let arrived = 0;
  let waiter: { count: number; resolve: (at: number) => void } | null = null;
  const server = await listen((req, res) => {
    req.resume();
    req.on("end", () => {
      arrived++;
      res.end();
      if (waiter && arrived >= waiter.count) {
        const { resolve } = waiter;
        waiter = null;
        resolve(performance.now());
      }
    });
  });
  return {
    url: server.url,
    close: server.close,
    /** Resolves with the time the `more`-th arrival from now lands (120 s at most). */
    next(more: number): Promise<number> {
      const count = arrived + more;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${arrived} of ${count} deliveries arrived`)),
          120_000,
        );
        waiter = {
          count,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      });
    },
  };
}

const CONCURRENCY = 100;

/**
 * `switchboard dev` on loopback. Deliveries per second: N messages published with `batchJSON`
 * (100 per batch) until the last signed delivery lands at a trivial endpoint. The limit is the same
 * N POSTs sent straight to that endpoint with node:http (keep-alive, 100 in flight). Latency:
 * `publishJSON` → request at the endpoint; its limit is the same two hops done by hand (a POST to a
 * node:http relay that answers, then POSTs to the endpoint). No baseline: QStash is not reachable.
 */
export async function benchDevServer(options: {
  messages: number;
  latencySamples: number;
  rounds: number;
}): Promise<BenchResult[]> {
  const dev = await startDevServer({ port: 0, quiet: true });
  const target = await sink();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const relay = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.statusCode = 201;
      res.end();
      void post(`${target.url}/latency`, Buffer.concat(chunks).toString(), agent);
    });
  });
  try {
    const client = new Client({ token: dev.token, baseUrl: dev.url });
    const n = options.messages;

    /** Publishes n messages to `server` and resolves with deliveries per second at the sink. */
    const devRound = (server: DevServer) => {
      const publisher = new Client({ token: server.token, baseUrl: server.url });
      return async () => {
        const done = target.next(n);
        const started = performance.now();
        for (let i = 0; i < n; i += 100) {
          const chunk = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({
            url: `${target.url}/job?i=${i + j}`,
            body: { i: i + j },
          }));
          await publisher.batchJSON(chunk);
        }
        return n / (((await done) - started) / 1000);
      };
    };
    const loopbackRound = async () => {
      const done = target.next(n);
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const i = next++;
          await post(`${target.url}/job?i=${i}`, JSON.stringify({ i }), agent);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
      return n / (((await done) - started) / 1000);
    };
    const throughput = await interleave(options.rounds, { subject: devRound(dev), limit: loopbackRound });
    // The same with the journal on disk (`--data-dir`): every publish written and fsynced (group
    // commit) before its 201, every delivery's outcome journaled. Held against the limit measured
    // above: a loopback round run right after the disk server's rounds measured its leftover
    // journal writes, not the limit.
    const dataDir = await mkdtemp(join(tmpdir(), "sb-bench-dev-"));
    const onDisk = await startDevServer({ port: 0, quiet: true, dataDir });
    let throughputOnDisk: Awaited<ReturnType<typeof interleave>>;
    try {
      throughputOnDisk = await interleave(options.rounds, { subject: devRound(onDisk) });
    } finally {
      await onDisk.close();
      await rm(dataDir, { recursive: true, force: true });
    }

    // Latency: each round yields its own p50 and p99; the rows report the spread of those.
    const p50 = { subject: [] as number[], limit: [] as number[] };
    const p99 = { subject: [] as number[], limit: [] as number[] };
    const latencyRound = (side: "subject" | "limit", send: (s: number) => Promise<unknown>) => async () => {
      const latencies: number[] = [];
      for (let s = 0; s < options.latencySamples; s++) {
        const arrived = target.next(1);
        const t = performance.now();
        await send(s);
        latencies.push((await arrived) - t);
      }
      p50[side].push(percentile(latencies, 50));
      p99[side].push(percentile(latencies, 99));
      return percentile(latencies, 50);
    };
    await interleave(options.rounds, {
      subject: latencyRound("subject", (s) =>
        client.publishJSON({ url: `${target.url}/latency`, body: { s } }),
      ),
      limit: latencyRound("limit", (s) => post(`${relay.url}/publish`, JSON.stringify({ s }), agent)),
    });
    // interleave ran one warm-up round per side first: drop it.
    const measured = (list: number[]) => spread(list.slice(1));

    return [
      figure({
        name: "dev.deliveries.perSec",
        unit: "msg/s",
        better: "higher",
        value: throughput.subject,
        limit: throughput.limit,
        target: { text: "≥ 0.5× limit", checks: [{ of: "limit", op: ">=", factor: 0.5 }] },
        note: `${n} messages per round, published with batchJSON (100 per batch), timed until the last signed delivery lands at a loopback endpoint. Limit: the same ${n} POSTs to that endpoint with node:http, keep-alive, ${CONCURRENCY} in flight. No baseline: QStash itself is not reachable from here.`,
      }),
      figure({
        name: "dev.deliveries.perSec.disk",
        unit: "msg/s",
        better: "higher",
        value: throughputOnDisk.subject,
        limit: throughput.limit,
        target: { text: "≥ 0.5× limit", checks: [{ of: "limit", op: ">=", factor: 0.5 }] },
        note: "as dev.deliveries.perSec, with the dev server's journal on disk (--data-dir): each publish fsynced (group commit) before its 201, each outcome journaled. Limit: the loopback figure of the in-memory rounds.",
      }),
      figure({
        name: "dev.latency.p50",
        unit: "ms",
        better: "lower",
        value: measured(p50.subject),
        limit: measured(p50.limit),
        note: `publishJSON → request at the endpoint, ${options.latencySamples} sequential messages per round. Limit: a POST to a node:http relay that answers 201 and then POSTs to the endpoint (the same two hops).`,
      }),
      figure({
        name: "dev.latency.p99",
        unit: "ms",
        better: "lower",
        value: measured(p99.subject),
        limit: measured(p99.limit),
        note: "as dev.latency.p50",
      }),
    ];
  } finally {
    agent.destroy();
    await relay.close();
    await target.close();
    await dev.close();
  }
}
