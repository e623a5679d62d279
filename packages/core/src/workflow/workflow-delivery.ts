import type { RouteTarget } from "@switchboard/wire";
import type { WorkflowContext } from "@upstash/workflow";
import type { EnvRecord } from "../env";
import { SwitchboardError } from "../errors/switchboard-error";
import { findJsonHazard } from "../json-safe";
import type { Runtime } from "../runtime";
import { type AnySchema, parsePayload } from "../schema";
import { loadWorkflowSdk } from "./load-workflow-sdk";
import { createStep } from "./step";
import { qstashForWorkflows } from "./workflow-client";
import type { WorkflowEvents, WorkflowFailure } from "./workflow-types";

/** A verified delivery the route hands to a workflow: the request and its raw body, read once. */
export interface VerifiedDelivery {
  request: Request;
  body: Uint8Array<ArrayBuffer>;
  env: EnvRecord | undefined;
}

/** What the route needs to run one workflow. Internal. */
export interface WorkflowSpec {
  runtime: Runtime;
  target: RouteTarget;
  /** The workflow's name, which namespaces its events. */
  workflow: string;
  owner: string;
  schema: AnySchema;
  events: WorkflowEvents;
  handler: (input: unknown, step: never) => Promise<unknown>;
  onSuccess: ((args: { input: unknown; result: unknown; runId: string }) => unknown) | undefined;
  onFailure: ((args: { input: never; error: WorkflowFailure; runId: string }) => unknown) | undefined;
}

/**
 * Runs one delivery of a workflow through `@upstash/workflow`'s `serve`, after the route checked
 * the signature (so the SDK's own check is off). The SDK is told the workflow's exact
 * destination URL, so every step it publishes comes back to this route with `?workflow=<name>`
 * and a `sub` the route can verify. An input that fails the schema is answered the route's way:
 * 489 `INVALID_PAYLOAD`.
 */
export async function deliverWorkflow(delivered: VerifiedDelivery, spec: WorkflowSpec): Promise<Response> {
  const { runtime, target, owner, schema } = spec;
  const sdk = await loadWorkflowSdk();
  let refusal: SwitchboardError | undefined;

  const parseInput = async (raw: unknown): Promise<unknown> => {
    if (raw === NOT_JSON) {
      throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: the input is not JSON.`, {
        issues: [{ path: "", message: "Body is not valid JSON" }],
      });
    }
    return parsePayload(schema, raw, owner);
  };

  const routeFunction = async (context: WorkflowContext<unknown>) => {
    let input: unknown;
    try {
      input = await parseInput(context.requestPayload);
    } catch (error) {
      refusal = error instanceof SwitchboardError ? error : undefined;
      throw new sdk.WorkflowNonRetryableError(refusal?.message ?? String(error));
    }
    const { step, calls } = createStep(sdk, context, { workflow: spec.workflow, owner, events: spec.events });
    const result = await spec.handler(input, step as never);
    if (calls() === 0) {
      // The SDK tells a delivery from a forgery by where the handler's first step is; a
      // handler without steps has none, and would run its side effects on every delivery.
      throw new sdk.WorkflowNonRetryableError(
        `${owner} finished without calling a step. A workflow needs at least one step (step.run, step.sleep, …); for work without steps use a job.`,
      );
    }
    if (result !== undefined) {
      const hazard = findJsonHazard(result, "the workflow's result");
      if (hazard) throw new sdk.WorkflowNonRetryableError(`${owner}: ${hazard.message}.`);
    }
    if (spec.onSuccess) await spec.onSuccess({ input, result, runId: context.workflowRunId });
    return result;
  };

  const { handler } = sdk.serve(routeFunction, {
    qstashClient: qstashForWorkflows(runtime, delivered.env, owner),
    url: runtime.destination(target, delivered.env),
    // Checked by the route, against the switchboard's keys, before this ran.
    receiver: undefined,
    // Nothing from the environment: the URL and client above are the whole configuration.
    env: {},
    baseUrl: undefined,
    disableTelemetry: true,
    initialPayloadParser: parseJsonOrMark,
    failureFunction: async ({ context, failStatus, failResponse }) => {
      if (!spec.onFailure) return;
      let input: unknown;
      try {
        input = await parseInput(context.requestPayload);
      } catch (error) {
        runtime.logger.error(
          `[switchboard] ${owner} run ${context.workflowRunId} failed, and onFailure was skipped: its input does not pass the schema.`,
          error,
        );
        return;
      }
      await spec.onFailure({
        input: input as never,
        error: { status: failStatus, message: failResponse },
        runId: context.workflowRunId,
      });
    },
  });

  const { request } = delivered;
  const response = await handler(
    new Request(request.url, {
      method: "POST",
      headers: request.headers,
      // The bytes the signature covered, unchanged.
      body: delivered.body.byteLength > 0 ? delivered.body : null,
      signal: request.signal,
    }),
  );
  if (refusal) throw refusal;
  return response;
}

/** Marks a body that is not JSON, so the route answers `INVALID_PAYLOAD` rather than guessing. */
const NOT_JSON = Symbol("not JSON");

function parseJsonOrMark(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
