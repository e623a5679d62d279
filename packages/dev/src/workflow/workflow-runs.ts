import { DevServerError } from "../dev-server-error";
import type { DeliveryEngine, DeliveryHooks, Settlement } from "../engine/delivery-engine";
import type { OutgoingHeaders } from "../engine/outgoing-headers";
import type { StoredMessage } from "../store/model";
import { callbackHeaders, callTypeOf, RUN_ID_HEADER } from "./workflow-headers";
import type { RunState, StepError, Waiter, WorkflowRun } from "./workflow-run";

const MAX_RUNS = 1_000;

/**
 * The Upstash Workflow side of the server. QStash keeps, per run, the history of the steps it
 * delivered and sends each step to the workflow route with that history as its body, so the SDK
 * replays finished steps from it; this class does the same, in memory.
 *
 * - A publish with `Upstash-Workflow-Init: true` and `Upstash-Workflow-RunId` starts a run;
 *   publishes with that run id (the SDK's steps) join it and inherit its retries and failure
 *   callback. A step is appended to the history when it is first delivered, and each delivery
 *   carries the history up to and including itself: of two parallel results, exactly one sees
 *   them all.
 * - A `context.call` request (`Upstash-Workflow-CallType: toCallback`) goes to the third party
 *   as a plain message; its answer (2xx or not, after its retries) goes to the callback with the
 *   `Upstash-Callback-*` headers, never to the DLQ.
 * - A step that fails for good fails the run and calls the trigger's failure callback with the
 *   `Upstash-Failure-Callback-*` headers and the run id, creation time and initial payload.
 *
 * @example
 * ```ts
 * const workflows = new WorkflowRuns();
 * const engine = new DeliveryEngine({ store, signingKey, speed, reporter, hooks: workflows.hooks });
 * ```
 */
export class WorkflowRuns {
  /** Every run kept, oldest first (bounded); a run id may be reused once its run has ended. */
  readonly runs: WorkflowRun[] = [];
  /** Waiters by event id. */
  readonly waiters = new Map<string, Waiter[]>();
  /** `notify` for a run with no waiter yet, kept for its next wait: `${runId} ${eventId}` → data. */
  readonly lookback = new Map<string, string>();
  private readonly latest = new Map<string, WorkflowRun>();

  /** The delivery engine's hooks. */
  readonly hooks: DeliveryHooks = {
    body: (message) => this.deliveryBody(message),
    headers: (message, headers) => this.deliveryHeaders(message, headers),
    failureToCallback: (message) =>
      message.workflow !== undefined && callTypeOf(message.workflow) === "toCallback",
    callback: (source, kind) => this.callbackFor(source, kind),
    settled: (message, settlement) => this.settled(message, settlement),
  };

  /** The latest run with this id. */
  run(workflowRunId: string): WorkflowRun | undefined {
    return this.latest.get(workflowRunId);
  }

  /**
   * Checks that a workflow publish may be accepted: a step must belong to a running run. A 400
   * is what the SDK expects for a run that was cancelled or has ended, and it stops there.
   */
  check(workflow: Record<string, string>): void {
    if (workflow["upstash-workflow-init"] === "true") return;
    const runId = workflow[RUN_ID_HEADER] ?? "";
    const run = this.latest.get(runId);
    if (!run) throw new DevServerError(400, `workflow run "${runId}" does not exist (never triggered).`);
    if (run.state !== "RUN_STARTED")
      throw new DevServerError(
        400,
        `workflow run "${runId}" has ended (${run.state}); no more steps are accepted.`,
      );
  }

  /**
   * Registers an accepted workflow message with its run (starting the run for a trigger) and lets
   * it inherit the run's settings. Returns the first message of a run that is already going when
   * a trigger names it, as a deduplicated publish does.
   */
  accept(message: StoredMessage): string | undefined {
    const workflow = message.workflow;
    if (!workflow) return undefined;
    const runId = workflow[RUN_ID_HEADER] ?? "";
    let run = this.latest.get(runId);
    if (workflow["upstash-workflow-init"] === "true") {
      if (run?.state === "RUN_STARTED") return run.history[0]?.messageId ?? firstPending(run) ?? runId;
      run = this.start(runId, message, workflow);
    } else if (!run) return undefined;
    else {
      if (workflow["upstash-retries"] === undefined) message.retries = run.retries;
      message.retryDelay ??= run.retryDelay;
      if (callTypeOf(workflow) === "step" && !message.failureCallback) {
        message.failureCallback = run.failureCallback;
        message.failureCallbackOptions = run.failureCallbackOptions;
      }
    }
    run.pending.set(message.messageId, {
      messageId: message.messageId,
      createdAt: message.createdAt,
      retries: message.retries,
      retryDelay: message.retryDelay,
      state: "STEP_PROGRESS",
      errors: [],
    });
    return undefined;
  }

  /**
   * Ends a run: `DELETE /v2/workflows/runs/{id}?cancel=false` (the route function returned; `body`
   * is its result) or `cancel=true` (cancelled: its pending messages and waiters are dropped).
   * Returns whether the run exists; ending a run that has already ended changes nothing.
   */
  end(engine: DeliveryEngine, workflowRunId: string, cancel: boolean, body: string): boolean {
    const run = this.latest.get(workflowRunId);
    if (!run) return false;
    if (run.state !== "RUN_STARTED") return true;
    this.finish(run, cancel ? "RUN_CANCELED" : "RUN_SUCCESS");
    if (cancel) {
      for (const id of [...run.pending.keys()]) engine.cancel(id);
      for (const [eventId, list] of this.waiters) {
        const rest = list.filter((w) => w.workflowRunId !== workflowRunId);
        if (rest.length > 0) this.waiters.set(eventId, rest);
        else this.waiters.delete(eventId);
      }
      if (run.failure?.state === "CALLBACK_INPROGRESS") run.failure.state = "CALLBACK_CANCELED";
    } else if (body) run.response = body;
    return true;
  }

  private start(runId: string, message: StoredMessage, workflow: Record<string, string>): WorkflowRun {
    const { "Content-Type": _contentType, ...userHeader } = message.header;
    const run: WorkflowRun = {
      workflowRunId: runId,
      workflowUrl: workflow["upstash-workflow-url"] ?? message.url,
      createdAt: message.createdAt,
      state: "RUN_STARTED",
      label: message.label,
      trigger: workflow,
      userHeader,
      initialBody: message.body,
      retries: message.retries,
      retryDelay: message.retryDelay,
      failureCallback: message.failureCallback,
      failureCallbackOptions: message.failureCallbackOptions,
      history: [],
      pending: new Map(),
    };
    this.runs.push(run);
    this.latest.set(runId, run);
    if (this.runs.length > MAX_RUNS) {
      const dropped = this.runs.splice(0, this.runs.length - MAX_RUNS);
      for (const old of dropped)
        if (this.latest.get(old.workflowRunId) === old) this.latest.delete(old.workflowRunId);
    }
    return run;
  }

  private finish(run: WorkflowRun, state: RunState): void {
    run.state = state;
    run.completedAt = Date.now();
  }

  private runOf(message: StoredMessage): WorkflowRun | undefined {
    const runId = message.workflow?.[RUN_ID_HEADER];
    return runId === undefined ? undefined : this.latest.get(runId);
  }

  /** A step's body: the run's history up to and including the step, as raw steps. */
  private deliveryBody(message: StoredMessage): Buffer<ArrayBuffer> | undefined {
    if (!message.workflow || callTypeOf(message.workflow) !== "step") return undefined;
    const run = this.runOf(message);
    if (!run || message.url !== run.workflowUrl) return undefined;
    let index = run.history.findIndex((entry) => entry.messageId === message.messageId);
    if (index < 0) {
      index =
        run.history.push({
          messageId: message.messageId,
          body: run.history.length === 0 ? run.initialBody : message.body,
          callType: "step",
          createdAt: Date.now(),
        }) - 1;
    }
    const raw = run.history
      .slice(0, index + 1)
      .map(({ messageId, body, callType }) => ({ messageId, body, callType }));
    return Buffer.from(JSON.stringify(raw));
  }

  private deliveryHeaders(message: StoredMessage, headers: OutgoingHeaders): void {
    const workflow = message.workflow;
    if (!workflow || callTypeOf(workflow) === "toCallback") return;
    const run = this.runOf(message);
    if (!run) return;
    for (const [name, value] of Object.entries(workflow))
      if (name.startsWith("upstash-workflow-") && !headers.has(name)) headers.set(name, value);
    headers.set("Upstash-Workflow-RunId", run.workflowRunId);
    headers.set("Upstash-Workflow-Url", run.workflowUrl);
    headers.set("Upstash-Workflow-CreatedAt", String(run.createdAt));
    if (run.label && !headers.has("upstash-label")) headers.set("Upstash-Label", run.label);
    if (callTypeOf(workflow) !== "step") return;
    for (const [name, values] of Object.entries(run.userHeader))
      if (!headers.has(name)) for (const value of values) headers.append(name, value);
  }

  private callbackFor(source: StoredMessage, kind: "success" | "failure") {
    const workflow = source.workflow;
    const run = this.runOf(source);
    if (!workflow || !run) return undefined;
    const callType = callTypeOf(workflow);
    if (kind === "success" && callType === "toCallback") {
      const { delivered, workflow: own } = callbackHeaders(workflow, "upstash-callback-");
      return {
        header: delivered,
        fields: {},
        workflow: { ...own, [RUN_ID_HEADER]: run.workflowRunId, "upstash-workflow-calltype": "fromCallback" },
      };
    }
    if (kind === "failure" && callType === "step") {
      const { delivered, workflow: own } = callbackHeaders(run.trigger, "upstash-failure-callback-");
      return {
        header: delivered,
        fields: {
          workflowRunId: run.workflowRunId,
          workflowCreatedAt: run.createdAt,
          url: run.workflowUrl,
          sourceBody: run.initialBody,
        },
        workflow: { ...own, [RUN_ID_HEADER]: run.workflowRunId, "upstash-workflow-calltype": "failureCall" },
      };
    }
    return undefined;
  }

  private settled(message: StoredMessage, settlement: Settlement): void {
    const workflow = message.workflow;
    const run = this.runOf(message);
    if (!workflow || !run) return;
    if (callTypeOf(workflow) === "failureCall") {
      this.failureCallbackSettled(run, message, settlement);
      return;
    }
    const pending = run.pending.get(message.messageId);
    if (settlement.outcome === "retry") {
      if (pending) {
        pending.state = "STEP_RETRY";
        pending.errors.push(stepError(settlement.status, settlement.error, ""));
      }
      return;
    }
    run.pending.delete(message.messageId);
    if (settlement.outcome !== "failed" || run.state !== "RUN_STARTED") return;
    this.finish(run, "RUN_FAILED");
    run.dlqId = settlement.dlqId;
    if (message.failureCallback) {
      run.failure = {
        url: message.failureCallback,
        state: "CALLBACK_INPROGRESS",
        failStatus: settlement.status,
        failResponse: settlement.responseBody.toString("utf8"),
        failHeaders: {},
        dlqId: settlement.dlqId ?? "",
        errors: [],
      };
    }
  }

  private failureCallbackSettled(run: WorkflowRun, message: StoredMessage, settlement: Settlement): void {
    const failure = run.failure;
    if (!failure) return;
    failure.messageId = message.messageId;
    if (settlement.outcome === "delivered") failure.state = "CALLBACK_SUCCESS";
    else if (settlement.outcome === "cancelled") failure.state = "CALLBACK_CANCELED";
    else if (settlement.outcome === "retry" || settlement.outcome === "failed") {
      failure.errors.push(stepError(settlement.status, settlement.error, ""));
      if (settlement.outcome === "failed") failure.state = "CALLBACK_FAIL";
    }
  }
}

function firstPending(run: WorkflowRun): string | undefined {
  return run.pending.keys().next().value;
}

function stepError(status: number, error: string, body: string): StepError {
  return { error, body, headers: {}, status, time: Date.now() };
}
