import { getRequestListener } from "@hono/node-server";
import { createSwitchboard } from "@switchboard/core";
import { serve as serveExpress } from "@switchboard/core/express";
import { serve as serveHono } from "@switchboard/core/hono";
import { serve as serveNext } from "@switchboard/core/next";
import { signPayload } from "@switchboard/core/testing";
import { Receiver } from "@upstash/qstash";
import express from "express";
import { Hono } from "hono";
import { z } from "zod";
import { collectGarbage, interleave } from "./interleave";
import { listen } from "./listen";
import { loadProcess } from "./load-process";
import { type BenchResult, figure } from "./result";

const KEYS = { current: "sig_bench_current", next: "sig_bench_next" };
const schema = z.object({ userId: z.string(), email: z.email(), plan: z.enum(["free", "pro"]) });
type Pool = { body: string; signature: string }[];

/** A pool of distinct, correctly signed deliveries for `url` (JWTs live 300 s: enough for a run). */
async function signedPool(url: string, size: number): Promise<Pool> {
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

/** The hand-written check users write today: the official Receiver, then JSON.parse, then zod. */
async function verifyByHand(receiver: Receiver, url: string, signature: string, body: string) {
  try {
    await receiver.verify({ signature, body, url });
  } catch {
    return { status: 401, json: { error: "unauthorized" } } as const;
  }
  const parsed = schema.safeParse(JSON.parse(body));
  if (!parsed.success) return { status: 489, json: { error: parsed.error.issues } } as const;
  return { status: 200, json: { ok: true, userId: parsed.data.userId } } as const;
}

const receiver = () => new Receiver({ currentSigningKey: KEYS.current, nextSigningKey: KEYS.next });

/** The three Hono apps: Switchboard's route, a normal hand-written route, and a bare route (the floor). */
function honoApps(sb: ReturnType<typeof createSwitchboard>, job: never, baseUrl: string) {
  const r = receiver();
  return {
    subject: new Hono().post("/api/switchboard", serveHono(sb, { jobs: [job] })).fetch,
    baseline: new Hono().post("/api/baseline", async (c) => {
      const out = await verifyByHand(r, baseUrl, c.req.header("upstash-signature") ?? "", await c.req.text());
      return Response.json(out.json, { status: out.status });
    }).fetch,
    limit: new Hono().post("/api/limit", async (c) => {
      await c.req.text();
      return c.json({ ok: true });
    }).fetch,
  };
}

/** The three Express apps; the baseline is a normal Express route (`express.raw`, no web Request). */
function expressApps(sb: ReturnType<typeof createSwitchboard>, job: never, baseUrl: string) {
  const r = receiver();
  return {
    subject: express().post("/api/switchboard", serveExpress(sb, { jobs: [job] })),
    baseline: express().post("/api/baseline", express.raw({ type: "*/*" }), async (req, res) => {
      const body = (req.body as Buffer).toString("utf8");
      const out = await verifyByHand(r, baseUrl, req.header("upstash-signature") ?? "", body);
      res.status(out.status).json(out.json);
    }),
    limit: express().post("/api/limit", express.raw({ type: "*/*" }), (_req, res) => {
      res.json({ ok: true });
    }),
  };
}

/** Load size per round: seconds of autocannon (normal) or a fixed request count (tiny). */
export interface RouteOptions {
  rounds: number;
  connections: number;
  /** Seconds per round; when absent, `amount` requests per round. */
  seconds?: number;
  amount?: number;
  /** Sequential in-process calls per round for the Next route. */
  nextRequests: number;
}

async function load(
  generator: ReturnType<typeof loadProcess>,
  url: string,
  path: string,
  pool: Pool,
  options: RouteOptions,
): Promise<number> {
  const result = await generator.run({
    url: `${url}${path}`,
    connections: options.connections,
    ...(options.seconds ? { duration: options.seconds } : { amount: options.amount ?? 200 }),
    requests: pool.map(({ body, signature }) => ({
      method: "POST",
      path,
      body,
      headers: { "content-type": "application/json", "upstash-signature": signature },
    })),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `load on ${path} had ${result.non2xx} non-2xx answers and ${result.errors} errors: invalid run`,
    );
  }
  return result.total / result.duration;
}

/** Route throughput on Hono, Express and Next: Switchboard vs hand-written vs bare. */
export async function benchRoutes(options: RouteOptions): Promise<BenchResult[]> {
  const generator = loadProcess();
  try {
    return [...(await benchHttpRoutes(generator, options)), await benchNextRoute(options)];
  } finally {
    generator.end();
  }
}

async function benchHttpRoutes(
  generator: ReturnType<typeof loadProcess>,
  options: RouteOptions,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const load_ = options.seconds
    ? `autocannon in a child process, ${options.connections} connections, ${options.seconds} s per round`
    : `autocannon in a child process, ${options.connections} connections, ${options.amount} requests per round`;

  for (const framework of ["hono", "express"] as const) {
    // Every server listens first: the Switchboard URL must match the URL requests are signed for.
    const handlers: Record<"subject" | "baseline" | "limit", (req: never, res: never) => void> = {
      subject: () => {},
      baseline: () => {},
      limit: () => {},
    };
    const servers = {
      subject: await listen((req, res) => handlers.subject(req as never, res as never)),
      baseline: await listen((req, res) => handlers.baseline(req as never, res as never)),
      limit: await listen((req, res) => handlers.limit(req as never, res as never)),
    };
    try {
      const sbUrl = `${servers.subject.url}/api/switchboard`;
      const baseUrl = `${servers.baseline.url}/api/baseline`;
      const sb = createSwitchboard({ url: sbUrl, signingKeys: KEYS, qstash: { token: "unused" } });
      const job = sb.createJob({ name: "signup", schema, handler: ({ userId }) => ({ ok: true, userId }) });
      if (framework === "hono") {
        const apps = honoApps(sb, job as never, baseUrl);
        handlers.subject = getRequestListener(apps.subject) as never;
        handlers.baseline = getRequestListener(apps.baseline) as never;
        handlers.limit = getRequestListener(apps.limit) as never;
      } else {
        const apps = expressApps(sb, job as never, baseUrl);
        handlers.subject = apps.subject as never;
        handlers.baseline = apps.baseline as never;
        handlers.limit = apps.limit as never;
      }
      const sbPool = await signedPool(`${sbUrl}?job=signup`, 200);
      const basePool = await signedPool(baseUrl, 200);
      const spreads = await interleave(
        options.rounds,
        {
          subject: () => load(generator, servers.subject.url, "/api/switchboard?job=signup", sbPool, options),
          baseline: () => load(generator, servers.baseline.url, "/api/baseline", basePool, options),
          limit: () => load(generator, servers.limit.url, "/api/limit", basePool, options),
        },
        { between: collectGarbage },
      );
      results.push(
        figure({
          name: `route.${framework}.rps`,
          unit: "req/s",
          better: "higher",
          value: spreads.subject,
          baseline: spreads.baseline,
          limit: spreads.limit,
          target: { text: "≥ 1.0× baseline", checks: [{ of: "baseline", op: ">=", factor: 1 }] },
          note:
            framework === "hono"
              ? `${load_}. Baseline: a hand-written Hono route (c.req.text(), official Receiver.verify, JSON.parse, zod, c.json). Limit: a bare Hono route that reads the body and answers {ok:true}.`
              : `${load_}. Baseline: a normal Express route (express.raw, official Receiver.verify, JSON.parse, zod, res.json). Limit: a bare Express route with express.raw answering {ok:true}.`,
        }),
      );
    } finally {
      await servers.subject.close();
      await servers.baseline.close();
      await servers.limit.close();
    }
  }

  return results;
}

/** Next's App Router route handler, invoked in-process as Next invokes it (no HTTP server). */
async function benchNextRoute(options: RouteOptions): Promise<BenchResult> {
  const url = "https://app.example.com/api/switchboard";
  const baseUrl = "https://app.example.com/api/baseline";
  const sb = createSwitchboard({ url, signingKeys: KEYS, qstash: { token: "unused" } });
  const job = sb.createJob({ name: "signup", schema, handler: ({ userId }) => ({ ok: true, userId }) });
  const { POST } = serveNext(sb, { jobs: [job] });
  const r = receiver();
  const baseline = async (request: Request) => {
    const out = await verifyByHand(
      r,
      baseUrl,
      request.headers.get("upstash-signature") ?? "",
      await request.text(),
    );
    return Response.json(out.json, { status: out.status });
  };
  const bare = async (request: Request) => {
    await request.text();
    return Response.json({ ok: true });
  };
  const sbPool = await signedPool(`${url}?job=signup`, 200);
  const basePool = await signedPool(baseUrl, 200);
  const { NextRequest } = await import("next/server");
  const run = async (handler: (r: Request) => Promise<Response>, target: string, pool: Pool) => {
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
  const spreads = await interleave(
    options.rounds,
    {
      subject: () => run(POST, `${url}?job=signup`, sbPool),
      baseline: () => run(baseline, baseUrl, basePool),
      limit: () => run(bare, baseUrl, basePool),
    },
    { between: collectGarbage },
  );
  return figure({
    name: "route.next.rps",
    unit: "req/s",
    better: "higher",
    value: spreads.subject,
    baseline: spreads.baseline,
    limit: spreads.limit,
    target: { text: "≥ 1.0× baseline", checks: [{ of: "baseline", op: ">=", factor: 1 }] },
    note: `App Router POST called in-process with NextRequest, ${options.nextRequests} sequential calls per round. Baseline: a hand-written handler (request.text(), Receiver.verify, JSON.parse, zod, Response.json). Limit: a handler that reads the body and answers {ok:true}.`,
  });
}
