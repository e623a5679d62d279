import type { HeaderLookup } from "../api/message-options";
import { canonicalHeaderName } from "../api/message-options";

/** The header naming a message's workflow run; its presence makes a publish a workflow message. */
export const RUN_ID_HEADER = "upstash-workflow-runid";

/**
 * What a workflow message is, from its `Upstash-Workflow-CallType`: a step of the run (delivered
 * to the workflow URL with the run's history), a `context.call` request to a third party
 * (`toCallback`), the callback that brings its answer back (`fromCallback`), or the failure
 * callback (`failureCall`).
 */
export type CallType = "step" | "toCallback" | "fromCallback" | "failureCall";

/**
 * The `upstash-*` headers of a publish (names lower-case) when it belongs to a workflow run, that
 * is when it carries `Upstash-Workflow-RunId`; otherwise `undefined`. They say which run, whether
 * it starts the run (`Upstash-Workflow-Init: true`), its kind, and, under the `Upstash-Callback-`
 * and `Upstash-Failure-Callback-` prefixes, what its callbacks carry.
 *
 * @example
 * ```ts
 * captureWorkflowHeaders(new Headers({ "Upstash-Workflow-RunId": "wfr_1" }));
 * // { "upstash-workflow-runid": "wfr_1" }
 * ```
 */
export function captureWorkflowHeaders(headers: HeaderLookup): Record<string, string> | undefined {
  if (!headers.get(RUN_ID_HEADER)) return undefined;
  const captured: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("upstash-") && captured[lower] === undefined) captured[lower] = value;
  });
  return captured;
}

/** The kind of a captured workflow message (see {@link CallType}). */
export function callTypeOf(workflow: Record<string, string>): CallType {
  const value = workflow["upstash-workflow-calltype"];
  return value === "toCallback" || value === "fromCallback" || value === "failureCall" ? value : "step";
}

/**
 * The headers a callback of a workflow message is published with, read from the message's
 * headers under `prefix` (`upstash-callback-` or `upstash-failure-callback-`), the way QStash
 * reads a publish: `{prefix}forward-X` is delivered as `X`, `{prefix}workflow-Y` and
 * `{prefix}feature-set` become the callback's own workflow headers.
 *
 * @example
 * ```ts
 * callbackHeaders({ "upstash-callback-forward-upstash-workflow-callback": "true" }, "upstash-callback-");
 * // { delivered: { "Upstash-Workflow-Callback": ["true"] }, workflow: {} }
 * ```
 */
export function callbackHeaders(
  captured: Record<string, string>,
  prefix: string,
): { delivered: Record<string, string[]>; workflow: Record<string, string> } {
  const delivered: Record<string, string[]> = {};
  const workflow: Record<string, string> = {};
  for (const [name, value] of Object.entries(captured)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (rest.startsWith("forward-")) delivered[canonicalHeaderName(rest.slice("forward-".length))] = [value];
    else if (rest.startsWith("workflow-") || rest === "feature-set") workflow[`upstash-${rest}`] = value;
  }
  return { delivered, workflow };
}
