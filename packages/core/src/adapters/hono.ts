import type { Context } from "hono";
import type { Switchboard } from "../create-switchboard";
import type { EnvRecord } from "../env";
import type { RouteDefinitions } from "../route/route";

/**
 * The Switchboard route as a Hono handler. It passes `c.env` on, so on Cloudflare Workers the
 * signing keys and `SWITCHBOARD_URL` are read from the request's bindings; elsewhere from
 * `process.env`. Hono leaves the body untouched, so the signature is checked over the raw bytes.
 * Duplicate names throw here, at start-up.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { serve } from "@switchboard/core/hono";
 * import { notify, sb, sendEmail } from "./switchboard";
 *
 * const app = new Hono();
 * app.post("/api/switchboard", serve(sb, { jobs: [sendEmail], channels: [notify] }));
 * export default app;
 * ```
 */
export function serve<TContext extends object>(
  sb: Switchboard<TContext>,
  routes: RouteDefinitions,
): (c: Context) => Promise<Response> {
  const handler = sb.handler(routes);
  return (c) => handler(c.req.raw, c.env as EnvRecord | undefined);
}
