import { startDevServer } from "@switchboard/dev";
import { Client } from "@upstash/qstash";
import { listen } from "./listen";
import { type BenchResult, compare, percentile } from "./result";

/**
 * `switchboard dev` on loopback: deliveries per second (signed deliveries to a trivial endpoint)
 * and publish → handler latency for sequential publishes. There is no baseline to run here: QStash
 * itself is not reachable from this machine.
 */
export async function benchDevServer(messages: number, latencySamples: number): Promise<BenchResult[]> {
  const dev = await startDevServer({ port: 0, quiet: true });
  const arrivals = new Map<string, number>();
  let received = 0;
  const sink = await listen((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      arrivals.set(String(req.headers["upstash-message-id"]), performance.now());
      res.end();
    });
  });
  try {
    const client = new Client({ token: dev.token, baseUrl: dev.url });
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 120_000;
      while (received < count) {
        if (Date.now() > deadline) throw new Error(`only ${received} of ${count} deliveries arrived`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const started = performance.now();
    for (let i = 0; i < messages; i += 100) {
      const chunk = Array.from({ length: Math.min(100, messages - i) }, (_, j) => ({
        url: `${sink.url}/job?i=${i + j}`,
        body: { i: i + j },
      }));
      await client.batchJSON(chunk);
    }
    await waitFor(messages);
    const perSecond = messages / ((performance.now() - started) / 1000);

    const latencies: number[] = [];
    for (let s = 0; s < latencySamples; s++) {
      const t = performance.now();
      const { messageId } = await client.publishJSON({ url: `${sink.url}/latency`, body: { s } });
      await waitFor(messages + s + 1);
      latencies.push((arrivals.get(messageId) ?? performance.now()) - t);
    }
    return [
      compare(
        "dev.deliveries.perSec",
        "msg/s",
        perSecond,
        null,
        "higher",
        null,
        `${messages} messages published in batches of 100, delivered signed to a loopback endpoint`,
      ),
      compare(
        "dev.latency.p50",
        "ms",
        percentile(latencies, 50),
        null,
        "lower",
        null,
        "publishJSON → request at the endpoint",
      ),
      compare("dev.latency.p99", "ms", percentile(latencies, 99), null, "lower", null),
    ];
  } finally {
    await sink.close();
    await dev.close();
  }
}
