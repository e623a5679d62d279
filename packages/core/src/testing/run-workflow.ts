import { toSeconds } from "@switchboard/wire";
import { definitionOf } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";
import { checkDispatchPayload, findJsonHazard } from "../json-safe";
import type { SchemaInput } from "../schema";
import { type AnySchema, parsePayload } from "../schema";
import { workflowSpecOf } from "../workflow/create-workflow";
import { checkEventKey, checkStepId } from "../workflow/step-names";
import type { Workflow, WorkflowEvents, WorkflowStep } from "../workflow/workflow-types";

/** Options for {@link runWorkflow}. */
export interface RunWorkflowOptions {
  /**
   * Results to use instead of running a step, by step id, as a recorded result would be replayed
   * (`step.run`, `step.dispatch`, `step.publish`). Steps not listed run their function.
   */
  steps?: Record<string, unknown>;
  /**
   * Event data for `step.waitForEvent`, by step id, validated against the event's schema. A wait
   * whose id is not listed resumes with `{ timeout: true }`.
   */
  events?: Record<string, unknown>;
  /** What `step.runId` reports. @default "wfr_test" */
  runId?: string;
}

/** One step the handler called, in call order. */
export interface WorkflowTestStep {
  id: string;
  type: "run" | "sleep" | "sleepUntil" | "waitForEvent" | "dispatch" | "publish";
  /** `true` when the step's function ran; `false` when `options.steps` replaced it (or it sends nothing). */
  ran: boolean;
  /** The step's result, after the JSON round trip a recorded result goes through. */
  result?: unknown;
  /** `sleep`: seconds; `sleepUntil`: the time. */
  until?: Date;
  seconds?: number;
  /** `dispatch` / `publish`: the job or channel name and the payload that would be sent. */
  target?: string;
  payload?: unknown;
}

/** What {@link runWorkflow} resolves to. */
export interface WorkflowTestRun<TResult> {
  result: TResult;
  runId: string;
  steps: WorkflowTestStep[];
}

/**
 * Runs a workflow's handler in-process, without QStash or a server: steps run at once (sleeps
 * and waits resolve immediately), results go through JSON as recorded results do, and dispatch
 * and publish steps validate their payload but send nothing. Give a step's result in
 * `options.steps` to skip its function, as a replay would. `onSuccess` runs after the handler.
 *
 * @example
 * ```ts
 * import { runWorkflow } from "@switchboard/core/testing";
 *
 * const run = await runWorkflow(onboarding, { userId: "u_1" }, {
 *   steps: { "load-user": { email: "ada@example.com" } },
 * });
 * expect(run.result).toEqual({ welcomed: "ada@example.com" });
 * expect(run.steps.map((s) => s.id)).toEqual(["load-user", "wait-a-day"]);
 * ```
 */
export async function runWorkflow<TSchema extends AnySchema, TResult, TEvents extends WorkflowEvents>(
  workflow: Workflow<TSchema, TResult, TEvents>,
  input: SchemaInput<TSchema>,
  options: RunWorkflowOptions = {},
): Promise<WorkflowTestRun<TResult>> {
  const spec = workflowSpecOf(workflow);
  if (!spec) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "runWorkflow: pass a workflow made with sb.createWorkflow.",
    );
  }
  const { owner } = spec;
  const fakes = options.steps ?? {};
  const events = options.events ?? {};
  const runId = options.runId ?? "wfr_test";
  const parsed = await checkDispatchPayload(spec.schema, input, owner);
  const recorded: WorkflowTestStep[] = [];
  const has = (record: Record<string, unknown>, id: string) => Object.hasOwn(record, id);

  const record = async (id: string, type: WorkflowTestStep["type"], run: () => unknown, extra = {}) => {
    const fake = has(fakes, id);
    const value = fake ? fakes[id] : await run();
    if (value !== undefined) {
      const hazard = findJsonHazard(value, `the result of step "${id}"`);
      if (hazard) throw new SwitchboardError("NON_RETRIABLE", `${owner}: ${hazard.message}.`);
    }
    const result = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    recorded.push({ id, type, ran: !fake && type === "run", result, ...extra });
    return result;
  };

  const step: WorkflowStep<WorkflowEvents> = {
    runId,
    run: (id, fn) => record(checkStepId(id, owner), "run", fn) as never,
    async sleep(id, duration) {
      const seconds = toSeconds(duration, `${owner} step "${id}": duration`);
      recorded.push({ id: checkStepId(id, owner), type: "sleep", ran: false, seconds });
    },
    async sleepUntil(id, time) {
      const until = time instanceof Date ? time : new Date(Number(time) * 1000);
      recorded.push({ id: checkStepId(id, owner), type: "sleepUntil", ran: false, until });
    },
    async waitForEvent(id, event, waitOptions = {}) {
      const stepId = checkStepId(id, owner);
      const schema = spec.events[event];
      if (!schema) {
        throw new SwitchboardError("INVALID_OPTIONS", `${owner}: the workflow declares no event "${event}".`);
      }
      checkEventKey(waitOptions.key, owner);
      if (waitOptions.timeout !== undefined)
        toSeconds(waitOptions.timeout, `${owner} step "${stepId}": timeout`);
      if (!has(events, stepId)) {
        recorded.push({ id: stepId, type: "waitForEvent", ran: false, result: { timeout: true } });
        return { timeout: true, data: undefined };
      }
      const data = await parsePayload(
        schema,
        JSON.parse(JSON.stringify(events[stepId])),
        `${owner} event "${event}"`,
      );
      recorded.push({ id: stepId, type: "waitForEvent", ran: false, result: { timeout: false, data } });
      return { timeout: false, data } as never;
    },
    async dispatch(id, job, payload) {
      const stepId = checkStepId(id, owner);
      const definition = definitionOf(job);
      if (definition?.kind !== "job") {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner} step "${stepId}": step.dispatch takes a job.`,
        );
      }
      await checkDispatchPayload(definition.schema, payload, `job "${definition.name}"`);
      return record(stepId, "dispatch", () => ({ messageId: `msg_test_${stepId}`, deduplicated: false }), {
        target: definition.name,
        payload,
      }) as never;
    },
    async publish(id, channel, payload, publishOptions = {}) {
      const stepId = checkStepId(id, owner);
      const definition = definitionOf(channel);
      if (definition?.kind !== "channel") {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner} step "${stepId}": step.publish takes a channel.`,
        );
      }
      await checkDispatchPayload(definition.schema, payload, `channel "${definition.name}"`);
      const subscribers = publishOptions.only ?? definition.subscribers ?? [];
      return record(
        stepId,
        "publish",
        () =>
          Object.fromEntries(
            subscribers.map((s) => [s, { messageId: `msg_test_${stepId}_${s}`, deduplicated: false }]),
          ),
        { target: definition.name, payload },
      ) as never;
    },
  };

  const result = (await spec.handler(parsed as never, step as never)) as TResult;
  if (recorded.length === 0) {
    throw new SwitchboardError(
      "NON_RETRIABLE",
      `${owner} finished without calling a step. A workflow needs at least one step; for work without steps use a job.`,
    );
  }
  if (result !== undefined) {
    const hazard = findJsonHazard(result, "the workflow's result");
    if (hazard) throw new SwitchboardError("NON_RETRIABLE", `${owner}: ${hazard.message}.`);
  }
  await spec.onSuccess?.({ input: parsed, result, runId } as never);
  return { result, runId, steps: recorded };
}
