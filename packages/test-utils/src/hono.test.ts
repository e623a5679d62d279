import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { serve } from "@switchboard/core/hono";
import { Hono } from "hono";
import { runAdapterContract } from "./adapter-contract";
import { listen } from "./listen";

runAdapterContract("hono on @hono/node-server", {
  async start({ sb, routes }) {
    const app = new Hono();
    app.all("/api/switchboard", serve(sb, routes)); // all: a GET reaches the route and gets 405
    // A middleware that reads the body (a logger, a validator) before the route.
    app.use("/parsed/*", async (c, next) => {
      await c.req.json();
      await next();
    });
    app.post("/parsed/switchboard", serve(sb, routes));
    const server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    return {
      url: `${server.origin}/api/switchboard`,
      bodyConsumedUrl: `${server.origin}/parsed/switchboard`,
      close: server.close,
    };
  },
});
