import type { Switchboard } from "../create-switchboard";
import { type NodeHandler, toNodeHandler } from "../node/to-node-handler";
import type { RouteDefinitions } from "../route/route";

// Kept for code written before `@switchboard/core/node` existed: the same bridge, re-exported.
export {
  type NodeHandler,
  type NodeRequest,
  sendWebResponse,
  type ToWebRequestOptions,
  toNodeHandler,
  toWebRequest,
  type WebHandler,
} from "../node";

const BODY_PARSED_HELP =
  'Express: register the route before `app.use(express.json())` (or any body parser), e.g. `app.post("/api/switchboard", serve(sb, routes))` first, or apply the parser only to the routes that need it.';

/**
 * The Switchboard route as an Express 5 (or 4) handler. It reads the raw body itself, so no body
 * parser may run before it on this path; if one did, it answers 500 `BODY_ALREADY_PARSED` with
 * the fix, not a misleading 401. Works mounted on a sub-router: the signature is checked against
 * the switchboard's `url`, never against the path Express saw. Duplicate names throw here, at
 * start-up.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { serve } from "@switchboard/core/express";
 * import { notify, sb, sendEmail } from "./switchboard";
 *
 * const app = express();
 * app.post("/api/switchboard", serve(sb, { jobs: [sendEmail], channels: [notify] }));
 * app.use(express.json()); // parsers after the route, or scoped to other paths
 * app.listen(3000);
 * ```
 */
export function serve<TContext extends object>(
  sb: Switchboard<TContext>,
  routes: RouteDefinitions,
): NodeHandler {
  return toNodeHandler(sb.handler(routes), { bodyParsedHelp: BODY_PARSED_HELP, forwardParsedBody: true });
}
