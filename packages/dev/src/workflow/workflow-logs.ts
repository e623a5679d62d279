import { DevServerError } from "../dev-server-error";
import type { WorkflowRun } from "./workflow-run";

const DEFAULT_RUNS_PER_PAGE = 10;

/**
 * `GET /v2/workflows/logs` (and `/v2/workflows/events`, which `client.logs()` of
 * `@upstash/workflow` 1.x calls): runs newest first, as `{ cursor, runs }`, filtered by
 * `workflowRunId`, `workflowUrl` (exact), `workflowCreatedAt`, `state` and `label`, `count` per
 * page (default 10). Each run lists its steps in groups (`sequential`, `parallel`, and `next` for
 * the steps under way), its result, and its failure function's state.
 *
 * @example
 * ```ts
 * const { runs } = workflowLogs(ctx.workflows.runs, new URLSearchParams("workflowRunId=wfr_1"));
 * ```
 */
export function workflowLogs(all: readonly WorkflowRun[], query: URLSearchParams) {
  const count = Number(query.get("count") ?? DEFAULT_RUNS_PER_PAGE);
  const offset = Number(query.get("cursor") || 0);
  if (!Number.isInteger(count) || count < 1)
    throw new DevServerError(400, "count must be a whole number >= 1.");
  if (!Number.isInteger(offset) || offset < 0)
    throw new DevServerError(400, "cursor is not one this server gave.");
  const runId = query.get("workflowRunId");
  const url = query.get("workflowUrl");
  const createdAt = query.get("workflowCreatedAt");
  const state = query.get("state");
  const labels = query.getAll("label").flatMap((l) => l.split(","));
  const matching = [...all]
    .reverse()
    .filter(
      (run) =>
        (!runId || run.workflowRunId === runId) &&
        (!url || run.workflowUrl === url) &&
        (!createdAt || String(run.createdAt) === createdAt) &&
        (!state || run.state === state) &&
        (labels.length === 0 || (run.label !== undefined && labels.includes(run.label))),
    );
  const page = matching.slice(offset, offset + count);
  const next = offset + count < matching.length ? String(offset + count) : "";
  return { cursor: next, runs: page.map(runLog) };
}

/** One run as `client.logs()` shows it. */
export function runLog(run: WorkflowRun) {
  return {
    workflowRunId: run.workflowRunId,
    workflowUrl: run.workflowUrl,
    workflowState: run.state,
    workflowRunCreatedAt: run.createdAt,
    workflowRunCompletedAt: run.completedAt,
    workflowRunResponse: run.response,
    steps: stepGroups(run),
    failureFunction: run.failure,
    dlqId: run.dlqId,
    label: run.label,
    labels: run.label?.split(","),
  };
}

type StepLog = Record<string, unknown> & { concurrent: number };
type StepGroup = { type: "sequential" | "parallel" | "next"; steps: Record<string, unknown>[] };

function stepGroups(run: WorkflowRun): StepGroup[] {
  const groups: StepGroup[] = [];
  let parallel: StepGroup | undefined;
  for (const [index, entry] of run.history.entries()) {
    const text = Buffer.from(entry.body, "base64").toString("utf8");
    const step = index === 0 ? initialStep(text) : parseStep(text);
    // Plan steps of a parallel run say what is to run; the logs show what ran.
    if (!step || (step.targetStep !== undefined && step.stepId === 0)) continue;
    const log: StepLog = {
      ...step,
      callType: entry.callType,
      messageId: entry.messageId,
      state: "STEP_SUCCESS",
      createdAt: entry.createdAt,
      concurrent: step.concurrent,
    };
    if (log.concurrent > 1) {
      if (!parallel || parallel.steps.length >= log.concurrent) {
        parallel = { type: "parallel", steps: [] };
        groups.push(parallel);
      }
      parallel.steps.push(log);
    } else {
      parallel = undefined;
      groups.push({ type: "sequential", steps: [log] });
    }
  }
  if (run.state === "RUN_STARTED" && run.pending.size > 0)
    groups.push({ type: "next", steps: [...run.pending.values()].map((p) => ({ ...p })) });
  return groups;
}

function initialStep(payload: string): StepLog {
  return { stepId: 0, stepName: "init", stepType: "Initial", out: payload, concurrent: 1 };
}

function parseStep(text: string): StepLog | undefined {
  try {
    const step = JSON.parse(text) as StepLog;
    return typeof step === "object" && step !== null
      ? { ...step, concurrent: Number(step.concurrent ?? 1) }
      : undefined;
  } catch {
    return undefined;
  }
}
