import { startDemo } from "./start-demo";

const port = Number(process.env.PORT ?? 3000);
const qstashPort = Number(process.env.QSTASH_PORT ?? 8080);
// REDIS_URL=redis://127.0.0.1:6379 keeps the feed in that Redis, through the Upstash REST API.
const redisUrl = process.env.REDIS_URL;
const redisPort = Number(process.env.REDIS_PORT ?? 8079);

// `--dev`: `next dev` with hot reload instead of a production build.
const hotReload = process.argv.includes("--dev");

const demo = await startDemo({
  port,
  qstashPort,
  hotReload,
  ...(redisUrl ? { redisUrl, redisPort } : {}),
}).catch((error: unknown) => {
  console.error(`\nThe demo could not start: ${(error as Error).message}`);
  process.exit(1);
});

console.log(
  `\n  StaffNotify is running at ${demo.url}\n  Local QStash (switchboard dev) at ${demo.dev.url}\n${
    demo.dev.redisRestUrl ? `  Feed in Redis ${redisUrl} via Upstash REST at ${demo.dev.redisRestUrl}\n` : ""
  }  Press Ctrl-C to stop.\n`,
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping…");
    void demo.close().then(() => process.exit(0));
  });
}
