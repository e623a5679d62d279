import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { createOrders } from "./switchboard";

// Env: SWITCHBOARD_URL, QSTASH_URL, QSTASH_TOKEN and the signing keys (`switchboard dev` prints them).
const port = Number(process.env.PORT ?? 3001);
serve({ fetch: createApp(createOrders()).fetch, port, hostname: "127.0.0.1" }, () =>
  console.log(`Hono example on http://127.0.0.1:${port} (route: /api/switchboard)`),
);
