import { getRequestListener } from "@hono/node-server";
import { createSwitchboard } from "@switchboard/core";
import { serve as serveExpress } from "@switchboard/core/express";
import { serve as serveHono } from "@switchboard/core/hono";
import { serve as serveNext } from "@switchboard/core/next";
import { signPayload } from "@switchboard/core/testing";
import { Receiver } from "@upstash/qstash";
import autocannon from "autocannon";
import express from "express";
import { Hono } from "hono";
import { z } from "zod";
import { listen } from "./listen";
import { type BenchResult, compare } from "./result";

const KEYS = { current: "sig_bench_current", next: "sig_bench_next" };
const schema = z.object({ userId: z.string(), email: z.email(), plan: z.enum(["free", "pro"]) });

/** A pool of distinct, correctly signed deliveries for `url` (JWTs live 300 s: enough for a run). */
async function signedPool(url: string, size: number) {
  return Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const body = JSON.stringify({
        userId: `u_${i}`,
        email: `user${i}@example.com`,
        plan: i % 2 ? "pro" : "free",
      });
      return { body, signature: await signPayload({ key: KEYS.current, url, body }) };
    }),
  );
}

/** What users write today: the official Receiver, JSON.parse and zod, by hand. */
function baselineHandler(url: string) {
  const receiver = new Receiver({ currentSigningKey: KEYS.current, nextSigningKey: KEYS.next });
  return async (request: Request): Promise<Response> => {
    const body = await request.text();
    try {
      await receiver.verify({ signature: request.headers.get("upstash-signature") ?? "", body, url });
    } catch {
      return Response.json({ error: "unauthorized" }, { status: 401 });
    }
    const parsed = schema.safeParse(JSON.parse(body));
    if (!parsed.success) return Response.json({ error: parsed.error.issues }, { status: 489 });
    return Response.json({ ok: true, userId: parsed.data.userId });
  };
}

async function load(
  url: string,
  path: string,
  pool: { body: string; signature: string }[],
  seconds: number,
  connections: number,
) {
  const result = await autocannon({
    url: `${url}${path}`,
    connections,
    duration: seconds,
    requests: pool.map(({ body, signature }) => ({
      method: "POST" as const,
      path,
      body,
      headers: { "content-type": "application/json", "upstash-signature": signature },
    })),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `load on ${path} had ${result.non2xx} non-2xx answers and ${result.errors} errors: the benchmark is invalid`,
    );
  }
  return result.requests.average;
}

/** Alternates the two servers so drift on a shared machine hits both alike; returns mean req/s. */
async function alternate(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number]> {
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < rounds; i++) {
    sumA += await a();
    sumB += await b();
  }
  return [sumA / rounds, sumB / rounds];
}

export interface RouteOptions {
  seconds: number;
  rounds: number;
  connections: number;
  nextRequests: number;
}

/** Route throughput: Switchboard's route vs the hand-written baseline, on Hono, Express and Next. */
export async function benchRoutes(options: RouteOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const target = { min: 1, text: "≥ 1.0× baseline" };

  for (const framework of ["hono", "express"] as const) {
    // Both servers listen first; the switchboard's URL must match the URL requests are signed for.
    let sbApp: (req: never, res: never) => void = () => {};
    let baseApp: (req: never, res: never) => void = () => {};
    const sbServer = await listen((req, res) => sbApp(req as never, res as never));
    const baseServer = await listen((req, res) => baseApp(req as never, res as never));
    const sbUrl = `${sbServer.url}/api/switchboard`;
    const baseUrl = `${baseServer.url}/api/baseline`;
    const sb = createSwitchboard({ url: sbUrl, signingKeys: KEYS, qstash: { token: "unused" } });
    const job = sb.createJob({ name: "signup", schema, handler: ({ userId }) => ({ ok: true, userId }) });
    const baseline = baselineHandler(baseUrl);
    if (framework === "hono") {
      sbApp = getRequestListener(
        new Hono().post("/api/switchboard", serveHono(sb, { jobs: [job] })).fetch,
      ) as never;
      baseApp = getRequestListener(
        new Hono().post("/api/baseline", (c) => baseline(c.req.raw)).fetch,
      ) as never;
    } else {
      sbApp = express().post("/api/switchboard", serveExpress(sb, { jobs: [job] })) as never;
      // The hand-written Express route: raw body (express.text), then the same verify + parse + zod.
      baseApp = express().post("/api/baseline", express.text({ type: "*/*" }), async (req, res) => {
        const response = await baseline(
          new Request(baseUrl, {
            method: "POST",
            headers: req.headers as Record<string, string>,
            body: req.body as string,
          }),
        );
        res
          .status(response.status)
          .type("json")
          .send(await response.text());
      }) as never;
    }
    const sbPool = await signedPool(`${sbUrl}?job=signup`, 200);
    const basePool = await signedPool(baseUrl, 200);
    // Warm up both (JIT, connection pools), then measure alternately.
    await load(sbServer.url, "/api/switchboard?job=signup", sbPool, 1, options.connections);
    await load(baseServer.url, "/api/baseline", basePool, 1, options.connections);
    const [ours, theirs] = await alternate(
      options.rounds,
      () => load(sbServer.url, "/api/switchboard?job=signup", sbPool, options.seconds, options.connections),
      () => load(baseServer.url, "/api/baseline", basePool, options.seconds, options.connections),
    );
    results.push(
      compare(
        `route.${framework}.rps`,
        "req/s",
        ours,
        theirs,
        "higher",
        target,
        `autocannon, ${options.connections} connections, ${options.rounds}×${options.seconds}s alternating`,
      ),
    );
    await sbServer.close();
    await baseServer.close();
  }

  // Next's App Router route handler, invoked in-process as Next invokes it (no HTTP server).
  const url = "https://app.example.com/api/switchboard";
  const sb = createSwitchboard({ url, signingKeys: KEYS, qstash: { token: "unused" } });
  const job = sb.createJob({ name: "signup", schema, handler: ({ userId }) => ({ ok: true, userId }) });
  const { POST } = serveNext(sb, { jobs: [job] });
  const baseline = baselineHandler("https://app.example.com/api/baseline");
  const sbPool = await signedPool(`${url}?job=signup`, 200);
  const basePool = await signedPool("https://app.example.com/api/baseline", 200);
  const { NextRequest } = await import("next/server");
  const run = async (handler: (r: Request) => Promise<Response>, target: string, pool: typeof sbPool) => {
    const started = performance.now();
    for (let i = 0; i < options.nextRequests; i++) {
      const { body, signature } = pool[i % pool.length]!;
      const response = await handler(
        new NextRequest(target, { method: "POST", body, headers: { "upstash-signature": signature } }),
      );
      if (response.status !== 200) throw new Error(`Next route answered ${response.status}`);
      await response.text();
    }
    return options.nextRequests / ((performance.now() - started) / 1000);
  };
  await run(POST, `${url}?job=signup`, sbPool);
  await run(baseline, "https://app.example.com/api/baseline", basePool);
  const [ours, theirs] = await alternate(
    options.rounds,
    () => run(POST, `${url}?job=signup`, sbPool),
    () => run(baseline, "https://app.example.com/api/baseline", basePool),
  );
  results.push(
    compare(
      "route.next.rps",
      "req/s",
      ours,
      theirs,
      "higher",
      target,
      "App Router POST called in-process with NextRequest, sequentially",
    ),
  );
  return results;
}
