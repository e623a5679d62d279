import { serve } from "@switchboard/core/hono";
import { Hono } from "hono";
import { type createOrders, feed } from "./switchboard";

/**
 * The Hono app: the one Switchboard route, and a live feed for the signed-in user. The
 * `X-User` header stands in for your real auth; never take the recipient from the query string.
 */
export function createApp({ sb, resizeImage, orderPlaced }: ReturnType<typeof createOrders>) {
  const app = new Hono();
  app.post("/api/switchboard", serve(sb, { jobs: [resizeImage], channels: [orderPlaced] }));
  app.get("/notifications/stream", (c) => feed.stream(c.req.raw, { recipient: c.req.header("x-user") }));
  app.get("/notifications", async (c) => {
    const user = c.req.header("x-user");
    if (!user) return c.json({ error: "sign in first" }, 401);
    return c.json(await feed.list(user));
  });
  return app;
}
