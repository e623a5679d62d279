import { serve } from "@switchboard/core/express";
import express, { type Express } from "express";
import { type createOrders, feed } from "./switchboard";

/**
 * The Express app. The Switchboard route is mounted BEFORE `express.json()`: it reads the raw
 * body itself, because the signature covers the exact bytes. The feed stream is written straight
 * to Express's response (`feed.streamNode`: backpressure, resume, ends when the client leaves).
 * `X-User` stands in for your real auth.
 */
export function createApp({ sb, resizeImage, orderPlaced }: ReturnType<typeof createOrders>): Express {
  const app = express();
  app.post("/api/switchboard", serve(sb, { jobs: [resizeImage], channels: [orderPlaced] }));
  app.get("/notifications/stream", (req, res) => {
    feed.streamNode(req, res, { recipient: req.header("x-user") });
  });
  app.use(express.json());
  app.get("/notifications", async (req, res) => {
    const user = req.header("x-user");
    if (!user) {
      res.status(401).json({ error: "sign in first" });
      return;
    }
    res.json(await feed.list(user));
  });
  return app;
}
