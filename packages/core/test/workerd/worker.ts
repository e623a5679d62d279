import { serve } from "@switchboard/core/hono";
import { Hono } from "hono";
import { greet, sb } from "./switchboard";

// A Cloudflare Worker as a user would write it: a Hono app that mounts the Switchboard route.
const app = new Hono();
app.post("/api/switchboard", serve(sb, { jobs: [greet] }));

export default app;
