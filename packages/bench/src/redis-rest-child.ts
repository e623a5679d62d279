// The dev server's Upstash REST endpoint (in front of 127.0.0.1:6379) in a process of its own,
// as Upstash is a service of its own: the REST work of a design that sends many requests (the
// seed's poll per stream) must not be charged to the streams' process. Prints one JSON line,
// `{ redisUrl, token }`, and stops when its stdin closes.
import { createInterface } from "node:readline";
import { startDevServer } from "@switchboard/dev";

const dev = await startDevServer({
  port: 0,
  quiet: true,
  redisUrl: "redis://127.0.0.1:6379",
  redisPort: 0,
});
process.stdout.write(`${JSON.stringify({ redisUrl: dev.redisRestUrl, token: dev.token })}\n`);
createInterface({ input: process.stdin }).on("close", () => {
  void dev.close().finally(() => process.exit(0));
});
