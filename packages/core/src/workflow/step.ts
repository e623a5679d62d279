import { toSeconds } from "@switchboard/wire";
import type { WorkflowContext } from "@upstash/workflow";
import { definitionOf } from "../definition";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import { findJsonHazard } from "../json-safe";
import { parsePayload } from "../schema";
import type { WorkflowSdk } from "./load-workflow-sdk";
import { checkEventKey, checkStepId, eventIdOf } from "./step-names";
import type { WaitForEventResult, WorkflowEvents, WorkflowStep } from "./workflow-types";

/** What a step needs to know about its workflow. */
export interface StepScope {
  workflow: string;
  owner: string;
  events: WorkflowEvents;
}

/** The `step` object plus what the route wraps around it. Internal. */
export interface StepHandle<TEvents extends WorkflowEvents> {
  step: WorkflowStep<TEvents>;
  /** How many steps this delivery's handler called. */
  calls(): number;
}

/**
 * Builds the `step` object over the SDK's context. Every user function runs inside
 * `context.run`, and the SDK's own aborts (which end a delivery after a step) pass through
 * untouched; only what the user's function throws is translated.
 */
export function createStep<TEvents extends WorkflowEvents>(
  sdk: WorkflowSdk,
  context: WorkflowContext<unknown>,
  scope: StepScope,
): StepHandle<TEvents> {
  let calls = 0;
  const { owner } = scope;
  const begin = (id: unknown) => {
    calls++;
    return checkStepId(id, owner);
  };

  /** Runs a user function as a step, with Switchboard's errors and the JSON check. */
  const runStep = <T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>> =>
    context.run(id, async () => {
      let result: Awaited<T>;
      try {
        result = await fn();
      } catch (error) {
        throw toSdkError(sdk, error, `${owner} step "${id}"`);
      }
      if (result !== undefined) {
        const hazard = findJsonHazard(result, `the result of step "${id}"`);
        if (hazard) {
          // Replays read the recorded JSON: a value JSON changes would differ on the next delivery.
          throw new sdk.WorkflowNonRetryableError(
            `${owner}: ${hazard.message}. A step's result is recorded as JSON; return plain values.`,
          );
        }
      }
      return result;
    }) as Promise<Awaited<T>>;

  const step: WorkflowStep<TEvents> = {
    runId: context.workflowRunId,
    run(id, fn) {
      const stepId = begin(id);
      if (typeof fn !== "function") {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner}: step.run("${stepId}", fn) needs a function.`,
        );
      }
      return runStep(stepId, fn);
    },
    async sleep(id, duration) {
      const stepId = begin(id);
      await context.sleep(stepId, toSeconds(duration, `${owner} step "${stepId}": duration`));
    },
    async sleepUntil(id, time) {
      const stepId = begin(id);
      const date = time instanceof Date ? time : new Date(Number(time) * 1000);
      if (Number.isNaN(date.getTime())) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner} step "${stepId}": sleepUntil takes a Date or unix seconds, got ${String(time)}.`,
        );
      }
      await context.sleepUntil(stepId, date);
    },
    async waitForEvent(id, event, options = {}) {
      const stepId = begin(id);
      const schema = scope.events[event];
      if (!schema) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner}: step.waitForEvent("${stepId}", "${event}"): the workflow declares no event "${event}". Add it to \`events\` in sb.createWorkflow.`,
        );
      }
      const key = checkEventKey(options.key, owner);
      const timeout =
        options.timeout === undefined
          ? undefined
          : toSeconds(options.timeout, `${owner} step "${stepId}": timeout`);
      const waited = await context.waitForEvent(stepId, eventIdOf(scope.workflow, event, key), {
        ...(timeout === undefined ? {} : { timeout }),
      });
      if (waited.timeout) return { timeout: true, data: undefined } as WaitForEventResult<never>;
      try {
        const data = await parsePayload(schema, waited.eventData, `${owner} event "${event}"`);
        return { timeout: false, data } as WaitForEventResult<never>;
      } catch (error) {
        // The data is recorded: every replay would fail the same way.
        throw new sdk.WorkflowNonRetryableError(describeThrown(error));
      }
    },
    dispatch(id, job, payload, options = {}) {
      const stepId = begin(id);
      if (definitionOf(job)?.kind !== "job") {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner} step "${stepId}": step.dispatch takes a job made with sb.createJob.`,
        );
      }
      // The same id on every attempt of this step: a retried step never sends the job twice.
      const deduplicationId = options.deduplicationId ?? `${context.workflowRunId}.${stepId}`;
      return runStep(stepId, () =>
        refusalIsFinal(() => job.dispatch(payload, { ...options, deduplicationId })),
      );
    },
    publish(id, channel, payload, options = {}) {
      const stepId = begin(id);
      if (definitionOf(channel)?.kind !== "channel") {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner} step "${stepId}": step.publish takes a channel made with sb.createChannel.`,
        );
      }
      const deduplicationId = options.deduplicationId ?? `${context.workflowRunId}.${stepId}`;
      return runStep(stepId, () =>
        refusalIsFinal(() => channel.publish(payload, { ...options, deduplicationId })),
      );
    },
  };
  return { step, calls: () => calls };
}

/** A payload or option the job refuses will be refused on every retry: fail the step for good. */
async function refusalIsFinal<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (
      error instanceof SwitchboardError &&
      (error.code === "INVALID_PAYLOAD" || error.code === "INVALID_OPTIONS")
    ) {
      throw new SwitchboardError("NON_RETRIABLE", error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * `NonRetriableError` and `RetryAfterError` become the SDK's equivalents, so the route answers
 * 489 and 429 as it does for jobs; anything else is the SDK's ordinary step failure (500, retried).
 */
export function toSdkError(sdk: WorkflowSdk, error: unknown, owner: string): unknown {
  if (error instanceof SwitchboardError) {
    if (error.code === "NON_RETRIABLE") return new sdk.WorkflowNonRetryableError(error.message);
    if (error.code === "RETRY_LATER") {
      const seconds = (error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1;
      return new sdk.WorkflowRetryAfterError(error.message, seconds);
    }
  }
  if (error instanceof Error) return error;
  return new Error(`${owner} threw: ${describeThrown(error)}`);
}
