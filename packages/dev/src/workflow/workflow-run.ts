import type { CallbackOptions } from "../store/model";

/** A workflow run's state, as `client.logs()` reports it. */
export type RunState = "RUN_STARTED" | "RUN_SUCCESS" | "RUN_FAILED" | "RUN_CANCELED";

/**
 * One entry of a run's history, in QStash's "raw step" shape: the message that carried it and its
 * base64 body (the trigger's payload for the first entry, a step's JSON after that).
 */
export interface HistoryEntry {
  messageId: string;
  body: string;
  callType: "step";
  createdAt: number;
}

/** An error one attempt of a step got, for the logs. */
export interface StepError {
  error: string;
  body: string;
  headers: Record<string, string[]>;
  status: number;
  time: number;
}

/** A message of the run that has not settled yet (a step, a sleep, a call, a wait's timeout). */
export interface PendingStep {
  messageId: string;
  createdAt: number;
  retries: number;
  retryDelay?: string | undefined;
  state: "STEP_PROGRESS" | "STEP_RETRY";
  errors: StepError[];
}

/** The failure callback of a run that failed, for the logs. */
export interface FailureRecord {
  messageId?: string | undefined;
  url: string;
  state: "CALLBACK_INPROGRESS" | "CALLBACK_SUCCESS" | "CALLBACK_FAIL" | "CALLBACK_CANCELED";
  failStatus: number;
  failResponse: string;
  failHeaders: Record<string, string[]>;
  dlqId: string;
  responseStatus?: number | undefined;
  errors: StepError[];
}

/** A workflow run: what its trigger said, the history its route replays, and where it stands. */
export interface WorkflowRun {
  workflowRunId: string;
  workflowUrl: string;
  createdAt: number;
  state: RunState;
  completedAt?: number | undefined;
  /** What the route function returned, as the SDK sent it when the run ended. */
  response?: string | undefined;
  label?: string | undefined;
  /** The trigger's `upstash-*` headers (lower-case): the failure callback's settings live there. */
  trigger: Record<string, string>;
  /** Headers the trigger forwarded; every step of the run is delivered with them. */
  userHeader: Record<string, string[]>;
  /** The trigger's payload, base64. */
  initialBody: string;
  /** Retries, retry delay and failure callback that the run's steps inherit from the trigger. */
  retries: number;
  retryDelay?: string | undefined;
  failureCallback?: string | undefined;
  failureCallbackOptions?: CallbackOptions | undefined;
  history: HistoryEntry[];
  pending: Map<string, PendingStep>;
  dlqId?: string | undefined;
  failure?: FailureRecord | undefined;
}

/** A `context.waitForEvent` waiting for `client.notify`. */
export interface Waiter {
  workflowRunId: string;
  eventId: string;
  url: string;
  /** Unix seconds at which the wait times out (scaled by the server's speed). */
  deadline: number;
  timeout: string;
  /** The step the wait resolves, as the SDK sent it. */
  step: Record<string, unknown>;
  /** The headers the wait's step is published with (the wait request's `upstash-*` headers). */
  stepHeaders: Record<string, string>;
  timeoutUrl?: string | undefined;
  timeoutHeaders?: Record<string, string[]> | undefined;
  /** The delayed message that delivers the timeout unless a notify comes first. */
  timeoutMessageId: string;
}
