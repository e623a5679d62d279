import { createSwitchboard } from "@switchboard/core";
import { startDevServer } from "@switchboard/dev";
import { Client } from "@upstash/qstash";
import { z } from "zod";
import { collectGarbage, interleave } from "./interleave";
import { type BenchResult, figure } from "./result";

const BATCH = 100;
const schema = z.object({ userId: z.string(), email: z.email() });

/** Counts the HTTP requests made through global fetch while `run` runs. */
async function countingFetch(run: () => Promise<unknown>): Promise<number> {
  const original = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = (input, init) => {
    requests++;
    return original(input, init);
  };
  try {
    await run();
    return requests;
  } finally {
    globalThis.fetch = original;
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/**
 * Publishing many messages against `switchboard dev` on loopback. Every message carries a one-day
 * delay, so the dev server only stores it: the figure is the publishing side alone.
 *
 * - subject: `job.dispatchMany(payloads)`;
 * - baseline: the hand-written equivalent with the official client (zod-validate each payload,
 *   then `client.batchJSON` per 100);
 * - limit: raw `fetch` POSTs of 100 hand-built items to `/v2/batch`, no validation;
 * - context: the naive `for … await client.publishJSON()` loop, on a tenth of the messages.
 */
export async function benchDispatch(options: { count: number; rounds: number }): Promise<BenchResult[]> {
  const dev = await startDevServer({ port: 0, quiet: true });
  try {
    const url = "http://127.0.0.1:9/api/switchboard"; // never called: every message waits a day
    const destination = `${url}?job=welcome`;
    const sb = createSwitchboard({
      url,
      qstash: { token: dev.token, baseUrl: dev.url },
      signingKeys: dev.signingKeys,
    });
    const job = sb.createJob({ name: "welcome", schema, handler: () => {} });
    const client = new Client({ token: dev.token, baseUrl: dev.url });
    const payloadsOf = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ userId: `u_${i}`, email: `user${i}@example.com` }));

    const ours = (payloads: unknown[]) => async () => {
      const results = await job.dispatchMany(payloads as z.infer<typeof schema>[], { delay: "1d" });
      if (results.length !== payloads.length)
        throw new Error("dispatchMany did not return a result per payload");
    };
    const byHand = (payloads: unknown[]) => async () => {
      const valid = payloads.map((p) => schema.parse(p));
      for (let i = 0; i < valid.length; i += BATCH) {
        await client.batchJSON(
          valid.slice(i, i + BATCH).map((body) => ({ url: destination, body, delay: "1d" })),
        );
      }
    };
    const raw = (payloads: unknown[]) => async () => {
      for (let i = 0; i < payloads.length; i += BATCH) {
        const items = payloads.slice(i, i + BATCH).map((p) => ({
          destination,
          headers: { "Content-Type": "application/json", "Upstash-Delay": "1d" },
          body: JSON.stringify(p),
        }));
        const response = await fetch(`${dev.url}/v2/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${dev.token}`, "content-type": "application/json" },
          body: JSON.stringify(items),
        });
        if (!response.ok) throw new Error(`/v2/batch answered ${response.status}`);
        await response.arrayBuffer();
      }
    };
    const loop = (payloads: unknown[]) => async () => {
      for (const body of payloads) await client.publishJSON({ url: destination, body, delay: "1d" });
    };

    // Untimed, before every run: cancel what the previous run stored and collect it, so each run
    // starts against an empty dev server and a clean heap, whichever side ran before it. Without
    // this every run pays for all the messages stored before it (the dev server shares this
    // process), and which side meets a full-heap collection is luck.
    const between = async () => {
      const response = await fetch(`${dev.url}/v2/messages`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${dev.token}` },
      });
      if (!response.ok) throw new Error(`DELETE /v2/messages answered ${response.status}`);
      await response.arrayBuffer();
      await collectGarbage();
    };
    const many = payloadsOf(options.count);
    const few = payloadsOf(Math.max(10, Math.round(options.count / 10)));
    const main = await interleave(
      options.rounds,
      {
        subject: () => timed(ours(many)),
        baseline: () => timed(byHand(many)),
        limit: () => timed(raw(many)),
      },
      { between },
    );
    const versusLoop = await interleave(
      options.rounds,
      {
        subject: () => timed(ours(few)),
        baseline: () => timed(loop(few)),
        limit: () => timed(raw(few)),
      },
      { between },
    );
    const requests = {
      ours: await countingFetch(ours(few)),
      loop: await countingFetch(loop(few)),
      raw: await countingFetch(raw(few)),
    };
    const counted = (n: number) => ({ min: n, median: n, max: n, samples: [n] });

    return [
      figure({
        name: `dispatch.many.ms.${options.count}`,
        unit: "ms",
        better: "lower",
        value: main.subject,
        baseline: main.baseline,
        limit: main.limit,
        target: {
          text: "≤ 1.0× baseline and ≤ 1.2× limit",
          checks: [
            { of: "baseline", op: "<=", factor: 1 },
            { of: "limit", op: "<=", factor: 1.2 },
          ],
        },
        note: `wall time to publish ${options.count} messages (one-day delay) to switchboard dev. Baseline: zod-validate each payload, then the official client's batchJSON per ${BATCH}. Limit: raw fetch POSTs of ${BATCH} hand-built items to /v2/batch.`,
      }),
      figure({
        name: `dispatch.vsLoop.ms.${few.length}`,
        unit: "ms",
        better: "lower",
        value: versusLoop.subject,
        baseline: versusLoop.baseline,
        limit: versusLoop.limit,
        note: `dispatchMany(${few.length}) vs the naive loop users write first (await client.publishJSON per payload); limit as above. Context only: the loop is not the peer, batchJSON is.`,
      }),
      figure({
        name: `dispatch.httpRequests.${few.length}`,
        unit: "requests",
        better: "lower",
        value: counted(requests.ours),
        baseline: counted(requests.loop),
        limit: counted(requests.raw),
        note: "HTTP requests to QStash, counted (not timed): dispatchMany vs the publishJSON loop vs raw /v2/batch.",
      }),
    ];
  } finally {
    await dev.close();
  }
}
