import { createSwitchboard } from "@switchboard/core";
import { startDevServer } from "@switchboard/dev";
import { Client } from "@upstash/qstash";
import { z } from "zod";
import { type BenchResult, compare } from "./result";

/** Counts the HTTP requests made through global fetch while `run` runs. */
async function countingFetch<T>(run: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const original = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = (input, init) => {
    requests++;
    return original(input, init);
  };
  try {
    return { result: await run(), requests };
  } finally {
    globalThis.fetch = original;
  }
}

/**
 * `dispatchMany(n)` vs the loop users write with the official client (`await publishJSON` per
 * payload), both against `switchboard dev` on loopback. Messages carry a one-day delay, so the dev
 * server only stores them: the figure is the publishing side alone.
 */
export async function benchDispatch(count: number): Promise<BenchResult[]> {
  const dev = await startDevServer({ port: 0, quiet: true });
  try {
    const url = "http://127.0.0.1:9/api/switchboard"; // never called: every message waits a day
    const sb = createSwitchboard({
      url,
      qstash: { token: dev.token, baseUrl: dev.url },
      signingKeys: dev.signingKeys,
    });
    const job = sb.createJob({
      name: "welcome",
      schema: z.object({ userId: z.string(), email: z.email() }),
      handler: () => {},
    });
    const payloads = Array.from({ length: count }, (_, i) => ({
      userId: `u_${i}`,
      email: `user${i}@example.com`,
    }));
    const client = new Client({ token: dev.token, baseUrl: dev.url });

    const t0 = performance.now();
    const ours = await countingFetch(() => job.dispatchMany(payloads, { delay: "1d" }));
    const oursMs = performance.now() - t0;
    if (ours.result.length !== count) throw new Error("dispatchMany did not return a result per payload");

    const t1 = performance.now();
    const theirs = await countingFetch(async () => {
      for (const body of payloads) await client.publishJSON({ url: `${url}?job=welcome`, body, delay: "1d" });
    });
    const theirsMs = performance.now() - t1;

    return [
      compare(
        `dispatch.many.ms.${count}`,
        "ms",
        oursMs,
        theirsMs,
        "lower",
        null,
        "wall time to publish every payload",
      ),
      compare(
        `dispatch.many.httpRequests.${count}`,
        "requests",
        ours.requests,
        theirs.requests,
        "lower",
        null,
        "HTTP requests to QStash",
      ),
      compare(
        "dispatch.many.speedup",
        "×",
        theirsMs / oursMs,
        null,
        "higher",
        { min: 20, text: "≥ 20× faster" },
        "publishJSON loop time ÷ dispatchMany time",
      ),
    ];
  } finally {
    await dev.close();
  }
}
