import { NAME_PATTERN, type RouteTarget, toSeconds } from "@switchboard/wire";
import { type Definition, register } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";
import { checkDispatchPayload } from "../json-safe";
import type { Runtime } from "../runtime";
import { type AnySchema, assertSchema, type SchemaOutput } from "../schema";
import { toPublishFields } from "../sending/dispatch-options";
import { callQStash } from "../sending/qstash-client";
import { loadWorkflowSdk } from "./load-workflow-sdk";
import { checkEventKey, eventIdOf } from "./step-names";
import { qstashForWorkflows, workflowClient } from "./workflow-client";
import type { Workflow, WorkflowConfig, WorkflowEvents } from "./workflow-types";

const DELIVERY_KEYS = new Set(["retries", "retryDelay", "flowControl"]);

/** Creates a workflow bound to a runtime. Internal: users call `sb.createWorkflow`. */
export function createWorkflow<TSchema extends AnySchema, TResult, TEvents extends WorkflowEvents>(
  runtime: Runtime,
  config: WorkflowConfig<TSchema, TResult, TEvents>,
): Workflow<TSchema, Awaited<TResult>, TEvents> {
  if (config === null || typeof config !== "object") {
    throw new SwitchboardError("INVALID_OPTIONS", "createWorkflow: pass { name, schema, handler }.");
  }
  const { name, schema, handler, onSuccess, onFailure, events = {} as TEvents, ...delivery } = config;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `createWorkflow: name ${JSON.stringify(name)} must be 1-128 URL-safe characters (letters, digits, "-", "_"), starting with a letter or digit.`,
    );
  }
  const owner = `workflow "${name}"`;
  assertSchema(schema, owner);
  if (typeof handler !== "function") {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: handler must be a function.`);
  }
  for (const [hook, fn] of Object.entries({ onSuccess, onFailure })) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new SwitchboardError("INVALID_OPTIONS", `${owner}: ${hook} must be a function.`);
    }
  }
  if (events === null || typeof events !== "object") {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: events must be an object of schemas.`);
  }
  for (const [event, eventSchema] of Object.entries(events)) {
    if (!NAME_PATTERN.test(event)) {
      throw new SwitchboardError(
        "INVALID_OPTIONS",
        `${owner}: event name ${JSON.stringify(event)} must be 1-128 URL-safe characters (letters, digits, "-", "_").`,
      );
    }
    assertSchema(eventSchema, `${owner} event "${event}"`);
  }
  for (const key of Object.keys(delivery)) {
    if (!DELIVERY_KEYS.has(key)) {
      throw new SwitchboardError(
        "INVALID_OPTIONS",
        `${owner}: unknown option "${key}". Known options: name, schema, handler, events, onSuccess, onFailure, ${[...DELIVERY_KEYS].join(", ")}.`,
      );
    }
  }
  // The delivery options are a subset of dispatch options: validate them the same way, now.
  const { retries, retryDelay, flowControl } = toPublishFields(delivery, owner);
  const target: RouteTarget = { kind: "workflow", workflow: name };

  const client = async () => {
    const sdk = await loadWorkflowSdk();
    const qstash = qstashForWorkflows(runtime, undefined, owner);
    return { qstash, client: workflowClient(sdk, qstash) };
  };

  const workflow: Workflow<TSchema, Awaited<TResult>, TEvents> = {
    name,
    schema,
    async start(input, options = {}) {
      if (options === null || typeof options !== "object") {
        throw new SwitchboardError("INVALID_OPTIONS", `${owner}: start options must be an object.`);
      }
      await checkDispatchPayload(schema, input, owner);
      const delay = options.delay === undefined ? undefined : toSeconds(options.delay, `${owner}: delay`);
      if (options.runId !== undefined) checkEventKey(options.runId, `${owner}: runId`);
      const url = runtime.destination(target);
      const { qstash, client: sdkClient } = await client();
      const { workflowRunId } = await callQStash(`start of ${owner}`, qstash, () =>
        sdkClient.trigger({
          url,
          // A string: the SDK sends strings as they are and JSON-encodes anything else.
          body: JSON.stringify(input),
          headers: { "Content-Type": "application/json" },
          retries,
          disableTelemetry: true,
          ...(options.runId === undefined ? {} : { workflowRunId: options.runId }),
          ...(retryDelay === undefined ? {} : { retryDelay }),
          ...(flowControl === undefined ? {} : { flowControl }),
          ...(delay === undefined ? {} : { delay }),
          ...(options.label === undefined ? {} : { label: options.label }),
        }),
      );
      return { runId: workflowRunId };
    },
    async cancel(runId) {
      if (typeof runId !== "string" || runId === "") {
        throw new SwitchboardError("INVALID_OPTIONS", `${owner}: cancel takes the runId start returned.`);
      }
      const { qstash, client: sdkClient } = await client();
      await callQStash(`cancel of ${owner} run "${runId}"`, qstash, () => sdkClient.cancel({ ids: runId }));
    },
    async notify(event, data, options = {}) {
      const eventSchema = (events as WorkflowEvents)[event];
      if (!eventSchema) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner}: no event "${event}". Declared events: ${Object.keys(events).join(", ") || "none"}.`,
        );
      }
      await checkDispatchPayload(eventSchema, data, `${owner} event "${event}"`);
      const key = checkEventKey(options.key, owner);
      const { qstash, client: sdkClient } = await client();
      const answers = await callQStash(`notify of ${owner} event "${event}"`, qstash, () =>
        sdkClient.notify({ eventId: eventIdOf(name, event, key), eventData: data }),
      );
      return { resumed: Array.isArray(answers) ? answers.length : 0 };
    },
  };

  const definition: Definition = {
    kind: "workflow",
    name,
    schema,
    runtime,
    endpoint: () => undefined,
    // Loaded with the SDK, on the first delivery: apps that never serve a workflow never load it.
    deliver: async (delivered) =>
      (await import("./workflow-delivery")).deliverWorkflow(delivered, {
        runtime,
        target,
        workflow: name,
        owner,
        schema,
        events,
        handler: handler as (input: unknown, step: never) => Promise<unknown>,
        onSuccess: onSuccess as
          | ((args: { input: unknown; result: unknown; runId: string }) => unknown)
          | undefined,
        onFailure: onFailure as
          | ((args: {
              input: SchemaOutput<TSchema>;
              error: { status: number; message: string };
              runId: string;
            }) => unknown)
          | undefined,
      }),
  };
  specs.set(workflow, { owner, schema, events, handler, onSuccess });
  return register(workflow, definition);
}

/** What `runWorkflow` needs to run a workflow's handler without a server. Internal. */
export interface WorkflowTestSpec {
  owner: string;
  schema: AnySchema;
  events: WorkflowEvents;
  handler: (input: never, step: never) => Promise<unknown>;
  onSuccess: ((args: never) => unknown) | undefined;
}

const specs = new WeakMap<object, WorkflowTestSpec>();

/** The handler and schemas behind a workflow, for the testing helpers. Internal. */
export function workflowSpecOf(workflow: unknown): WorkflowTestSpec | undefined {
  return typeof workflow === "object" && workflow !== null ? specs.get(workflow) : undefined;
}
