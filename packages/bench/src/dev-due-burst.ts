import { Agent } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startDevServer } from "@switchboard/dev";
import { Client } from "@upstash/qstash";
import { interleave } from "./interleave";
import { listen } from "./listen";
import { post } from "./post";
import { type BenchResult, figure, spread } from "./result";

/** Publishing must be over this long before the due instant, or the round measures publishing. */
const MARGIN_MS = 250;
/** The dev server's default cap on deliveries on the wire; the limit side keeps the same bound. */
const IN_FLIGHT = 128;

/** A loopback endpoint that notes when each request arrives (its headers parsed). */
async function arrivalSink() {
  let arrivals: number[] = [];
  let waiter: { count: number; resolve: () => void } | null = null;
  const server = await listen((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    req.on("end", () => res.end());
    if (waiter && arrivals.length >= waiter.count) {
      const { resolve } = waiter;
      waiter = null;
      resolve();
    }
  });
  return {
    url: server.url,
    close: server.close,
    /** Forgets what arrived and resolves with the arrival times once `count` have arrived (120 s at most). */
    async expect(count: number): Promise<number[]> {
      arrivals = [];
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${arrivals.length} of ${count} arrived`)), 120_000);
        waiter = { count, resolve };
      }).finally(() => clearTimeout(timer));
      return arrivals;
    },
  };
}

/**
 * The next whole second (unix ms) at least `leadMs` ahead: `Upstash-Not-Before` is unix seconds,
 * so a due instant on a second boundary is exactly the one the server holds.
 */
function dueInstant(leadMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000;
}

/**
 * `performance.now()` at unix ms `at`. `Date.now()` has whole-millisecond steps: waiting for its
 * next step pins wall time to the monotonic clock to within microseconds, not a millisecond.
 */
function monotonicAt(at: number): number {
  const before = Date.now();
  let now = before;
  while (now === before) now = Date.now();
  return performance.now() + (at - now);
}

/** What one round saw, relative to the due instant (ms). */
interface Burst {
  first: number;
  last: number;
  /** Longest event-loop stall while the burst was dispatched (the monitor samples every 1 ms). */
  maxLoopDelay: number;
}

/** Watches the event loop from just before `due` until `done` settles. */
async function watch(dueAt: number, done: Promise<number[]>): Promise<Burst> {
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  const due = monotonicAt(dueAt);
  // Close to the instant, so the publishing before it is not counted.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now() - 50)));
  monitor.enable();
  const arrivals = await done;
  monitor.disable();
  return {
    first: arrivals[0]! - due,
    last: arrivals[arrivals.length - 1]! - due,
    maxLoopDelay: monitor.max / 1e6,
  };
}

/**
 * `switchboard dev` with N messages due at the same instant. Each round publishes N messages with
 * `batchJSON` (100 per batch), all with the same `notBefore` on a whole second at least `leadMs`
 * ahead, so every one is stored before any falls due, then times from that instant (the one the
 * server compares `Date.now()` with) to the first, and the last, request at a loopback endpoint,
 * and the longest event-loop stall meanwhile. The limit: a `setTimeout` armed for the same kind
 * of instant that then POSTs the same N requests to that endpoint with node:http (keep-alive,
 * 128 in flight, the dev server's default bound), timed the same way. One process: the server,
 * the endpoint and the limit's client share the event loop, as the existing dev rows do.
 */
export async function benchDueBurst(options: {
  messages: number;
  leadMs: number;
  rounds: number;
}): Promise<BenchResult[]> {
  const n = options.messages;
  const dev = await startDevServer({ port: 0, quiet: true });
  const sink = await arrivalSink();
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const seen = { subject: [] as Burst[], limit: [] as Burst[] };
  try {
    const publisher = new Client({ token: dev.token, baseUrl: dev.url });
    const devRound = async () => {
      const due = dueInstant(options.leadMs);
      const done = sink.expect(n);
      for (let i = 0; i < n; i += 100) {
        const chunk = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({
          url: `${sink.url}/job?i=${i + j}`,
          body: { i: i + j },
          notBefore: due / 1000,
        }));
        await publisher.batchJSON(chunk);
      }
      const spare = due - Date.now();
      if (spare < MARGIN_MS)
        throw new Error(
          `publishing ${n} messages ended ${spare} ms before they fell due (need ${MARGIN_MS} ms): raise leadMs`,
        );
      const burst = await watch(due, done);
      seen.subject.push(burst);
      return burst.first;
    };
    const limitRound = async () => {
      const due = dueInstant(options.leadMs);
      const done = sink.expect(n);
      const bodies = Array.from({ length: n }, (_, i) => JSON.stringify({ i }));
      const fire = () => {
        // The server checks `Date.now()` against the instant too: a timer a hair early waits on.
        if (Date.now() < due) {
          setTimeout(fire, 1);
          return;
        }
        let next = 0;
        const worker = async () => {
          while (next < n) {
            const i = next++;
            await post(`${sink.url}/job?i=${i}`, bodies[i]!, agent);
          }
        };
        for (let w = 0; w < Math.min(IN_FLIGHT, n); w++) void worker();
      };
      setTimeout(fire, due - Date.now());
      const burst = await watch(due, done);
      seen.limit.push(burst);
      return burst.first;
    };
    const first = await interleave(options.rounds, { subject: devRound, limit: limitRound });
    // interleave ran one warm-up round per side first: drop it.
    const measured = (side: "subject" | "limit", of: keyof Burst) =>
      spread(seen[side].slice(1).map((burst) => burst[of]));
    const setup = `${n} messages published with batchJSON (100 per batch), all with notBefore on one whole second ≥ ${options.leadMs} ms ahead (publishing must end ≥ ${MARGIN_MS} ms before it, or the run stops); timed from that instant, the one the server compares Date.now() with`;
    const limit = `Limit: a setTimeout for such an instant, then the same ${n} POSTs to the endpoint with node:http (keep-alive, ${IN_FLIGHT} in flight, the dev server's default bound)`;
    return [
      figure({
        name: `dev.firstDeliveryAfterDue.ms.${n}`,
        unit: "ms",
        better: "lower",
        value: first.subject,
        limit: first.limit,
        target: { text: "≤ 50 ms", checks: [{ of: "absolute", op: "<=", factor: 50 }] },
        note: `${setup}, to the first signed delivery at a loopback endpoint. ${limit}. Server, endpoint and limit client share one process.`,
      }),
      figure({
        name: `dev.lastDeliveryAfterDue.ms.${n}`,
        unit: "ms",
        better: "lower",
        value: measured("subject", "last"),
        limit: measured("limit", "last"),
        note: `as dev.firstDeliveryAfterDue.ms.${n}, to the last of the ${n} deliveries (requests counted as their headers arrive)`,
      }),
      figure({
        name: `dev.dueBurst.maxLoopDelay.ms.${n}`,
        unit: "ms",
        better: "lower",
        value: measured("subject", "maxLoopDelay"),
        limit: measured("limit", "maxLoopDelay"),
        note: `as dev.firstDeliveryAfterDue.ms.${n}: the longest event-loop stall (monitorEventLoopDelay, 1 ms sampling, so ~1 ms is an idle loop) from 50 ms before the instant until the last delivery arrived. The process is shared by server and endpoint`,
      }),
    ];
  } finally {
    agent.destroy();
    await sink.close();
    await dev.close();
  }
}
