import type { Switchboard } from "../create-switchboard";
import { type NodeHandler, toNodeHandler } from "../node/to-node-handler";
import type { RouteDefinitions } from "../route/route";

/** The App Router route handlers {@link serve} returns. */
export interface AppRouteHandlers {
  /** QStash delivers with POST; Next.js answers 405 for the methods a route does not export. */
  POST: (request: Request) => Promise<Response>;
}

/**
 * The Switchboard route for the Next.js App Router, on the Node.js and Edge runtimes alike (this
 * module imports no Node built-ins). App Router handlers get the raw body, so nothing needs
 * configuring. Duplicate names throw here, at start-up.
 *
 * @example
 * ```ts
 * // app/api/switchboard/route.ts
 * import { serve } from "@switchboard/core/next";
 * import { notify, sb, sendEmail } from "@/lib/switchboard";
 *
 * export const { POST } = serve(sb, { jobs: [sendEmail], channels: [notify] });
 * ```
 */
export function serve<TContext extends object>(
  sb: Switchboard<TContext>,
  routes: RouteDefinitions,
): AppRouteHandlers {
  const handler = sb.handler(routes);
  // Next passes `{ params }` as the second argument: not env, so it is not forwarded.
  // biome-ignore lint/correctness/noComponentHookFactories: `POST` is a route handler, not a React component.
  return { POST: (request) => handler(request) };
}

const BODY_PARSED_HELP =
  "Next.js Pages Router: add `export const config = { api: { bodyParser: false } };` to this API route.";

/**
 * The Switchboard route for the Next.js Pages Router (Node.js runtime). It reads the raw body
 * itself, so Next's body parser must be off for this route; if it ran, the route answers 500
 * `BODY_ALREADY_PARSED` saying so, not a misleading 401.
 *
 * @example
 * ```ts
 * // pages/api/switchboard.ts
 * import { servePages } from "@switchboard/core/next";
 * import { notify, sb, sendEmail } from "@/lib/switchboard";
 *
 * export const config = { api: { bodyParser: false } };
 * export default servePages(sb, { jobs: [sendEmail], channels: [notify] });
 * ```
 */
export function servePages<TContext extends object>(
  sb: Switchboard<TContext>,
  routes: RouteDefinitions,
): NodeHandler {
  return toNodeHandler(sb.handler(routes), { bodyParsedHelp: BODY_PARSED_HELP, forwardParsedBody: true });
}
