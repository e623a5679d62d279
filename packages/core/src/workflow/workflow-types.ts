import type { AnySchema, SchemaInput, SchemaOutput } from "../schema";
import type { Channel, PublishOptions, PublishResult } from "../sending/channel";
import type { DispatchOptions, DispatchResult, FlowControlOptions } from "../sending/dispatch-options";
import type { Job } from "../sending/job";

/** Seconds, or a duration like `"30s"`, `"10m"`, `"2h"`, `"1d"`, `"1h30m"`. */
export type WorkflowDuration = number | string;

/** The events a workflow can wait for, each with the schema of its data. */
export type WorkflowEvents = Record<string, AnySchema>;

/** What `step.waitForEvent` resolves to: the event's data, or `timeout: true` when none came. */
export type WaitForEventResult<TData> = { timeout: false; data: TData } | { timeout: true; data: undefined };

/** Options for `step.waitForEvent`. */
export interface WaitForEventOptions {
  /**
   * How long to wait before resuming with `{ timeout: true }`.
   * @default "7d"
   */
  timeout?: WorkflowDuration;
  /**
   * Narrows the event to one occurrence (an order id, a notification id): only a
   * `workflow.notify(event, data, { key })` with the same key resumes this wait. Without it, any
   * notify of the event resumes every run waiting for it.
   */
  key?: string;
}

/**
 * The durable steps a workflow handler calls. Each step is its own QStash delivery: its result
 * is recorded, and every later delivery replays it instead of running it again.
 */
export interface WorkflowStep<TEvents extends WorkflowEvents = WorkflowEvents> {
  /** The run this delivery belongs to (`wfr_…`). */
  readonly runId: string;
  /**
   * Runs `fn` once and records its result. Later deliveries (and retries of later steps) get the
   * recorded result without running `fn`. The result must survive JSON (no `Date`, `Map`,
   * `BigInt`, …): anything else fails the step at once, before it is recorded.
   * @example
   * ```ts
   * const user = await step.run("load-user", () => db.users.find(input.userId));
   * ```
   */
  run<T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>>;
  /**
   * Ends this delivery and resumes the run after `duration`; no function is held open.
   * @example
   * ```ts
   * await step.sleep("wait-a-day", "1d");
   * ```
   */
  sleep(id: string, duration: WorkflowDuration): Promise<void>;
  /**
   * Ends this delivery and resumes the run at `time` (a `Date` or unix seconds).
   * @example
   * ```ts
   * await step.sleepUntil("until-monday", new Date("2030-01-07T09:00:00Z"));
   * ```
   */
  sleepUntil(id: string, time: Date | number): Promise<void>;
  /**
   * Waits (without holding a function open) for `workflow.notify(event, data)`, or until the
   * timeout. The data is validated against the event's schema.
   * @example
   * ```ts
   * const read = await step.waitForEvent("wait-read", "read", { key: input.notificationId, timeout: "10m" });
   * if (read.timeout) await step.run("escalate", () => escalate(input));
   * ```
   */
  waitForEvent<TEvent extends Extract<keyof TEvents, string>>(
    id: string,
    event: TEvent,
    options?: WaitForEventOptions,
  ): Promise<WaitForEventResult<SchemaOutput<TEvents[TEvent]>>>;
  /**
   * Dispatches a Switchboard job as a step: sent once, typed by the job's schema. The step's
   * result is the dispatch result; the job itself runs on its own delivery.
   * @example
   * ```ts
   * await step.dispatch("send-welcome", sendEmail, { to: user.email, subject: "Welcome" });
   * ```
   */
  dispatch<TSchema extends AnySchema>(
    id: string,
    job: Job<TSchema>,
    payload: SchemaInput<TSchema>,
    options?: DispatchOptions,
  ): Promise<DispatchResult>;
  /**
   * Publishes to a Switchboard channel as a step: sent once, typed by the channel's schema.
   * @example
   * ```ts
   * await step.publish("announce", notify, { userId: input.userId, title: "Welcome" });
   * ```
   */
  publish<TSchema extends AnySchema, TSubscriber extends string>(
    id: string,
    channel: Channel<TSchema, TSubscriber>,
    payload: SchemaInput<TSchema>,
    // NoInfer: the subscriber names come from the channel, never from `only`.
    options?: PublishOptions<NoInfer<TSubscriber>>,
  ): Promise<PublishResult<TSubscriber>>;
}

/** Why a run failed for good, as the failure callback reports it. */
export interface WorkflowFailure {
  /** The HTTP status of the last failed delivery (489 for `NonRetriableError`, 500 for a throw). */
  status: number;
  /** The error message of the failed step. */
  message: string;
}

/** Delivery options a workflow's steps use. */
export interface WorkflowDeliveryOptions {
  /**
   * How many times QStash retries a failed step. Deliveries per step = 1 + retries.
   * @default 3
   */
  retries?: number;
  /** QStash retry-delay expression in milliseconds over `retried`, e.g. `"1000 * pow(2, retried)"`. */
  retryDelay?: string;
  /** Per-key parallelism and rate limits, applied to every step of every run. */
  flowControl?: FlowControlOptions;
}

/** What `sb.createWorkflow` takes. */
export interface WorkflowConfig<
  TSchema extends AnySchema,
  TResult,
  TEvents extends WorkflowEvents = Record<never, AnySchema>,
> extends WorkflowDeliveryOptions {
  /** Unique, URL-safe name (letters, digits, `-`, `_`). It appears in the route URL (`?workflow=`). */
  name: string;
  /** Any Standard Schema (zod documented). The input type is inferred from it. */
  schema: TSchema;
  /** The events `step.waitForEvent` can wait for, with the schema of each event's data. */
  events?: TEvents;
  /**
   * The workflow. It runs again on every delivery, replaying recorded steps, so code outside
   * `step.*` must be deterministic; put side effects inside `step.run`.
   */
  handler: (input: SchemaOutput<TSchema>, step: WorkflowStep<TEvents>) => Promise<TResult>;
  /** Runs once the handler returned (in its last delivery). A throw retries that delivery. */
  onSuccess?: (args: { input: SchemaOutput<TSchema>; result: Awaited<TResult>; runId: string }) => unknown;
  /** Runs once a step failed for good (retries used, or `NonRetriableError`). */
  onFailure?: (args: { input: SchemaOutput<TSchema>; error: WorkflowFailure; runId: string }) => unknown;
}

/** Options for `workflow.start`. */
export interface StartOptions {
  /** Your id for the run (prefixed with `wfr_`). Starting an id that is still running starts nothing. */
  runId?: string;
  /** Wait before the first step: seconds or a duration like `"5m"`. */
  delay?: WorkflowDuration;
  /** A label shown in QStash's logs. */
  label?: string;
}

/** Options for `workflow.notify`. */
export interface NotifyOptions {
  /** Only waits with this `key` resume (see `WaitForEventOptions.key`). */
  key?: string;
}

/** A typed durable workflow. Create it with `sb.createWorkflow`, list it in the route, start it anywhere. */
export interface Workflow<
  TSchema extends AnySchema = AnySchema,
  TResult = unknown,
  TEvents extends WorkflowEvents = WorkflowEvents,
> {
  readonly name: string;
  readonly schema: TSchema;
  /** Phantom: the handler's result type, for inference only. */
  readonly "~result"?: TResult;
  /** Phantom: the events the workflow waits for, for inference only. */
  readonly "~events"?: TEvents;
  /**
   * Validates the input, then starts a run. Nothing is sent if the input is invalid.
   * @example
   * ```ts
   * const { runId } = await onboarding.start({ userId: "u_1" });
   * ```
   */
  start(input: SchemaInput<TSchema>, options?: StartOptions): Promise<{ runId: string }>;
  /**
   * Cancels a run: its pending step (a sleep, a wait, a retry) is dropped and nothing more runs.
   * @example
   * ```ts
   * await onboarding.cancel(runId);
   * ```
   */
  cancel(runId: string): Promise<void>;
  /**
   * Sends an event to the runs waiting for it, validated against the event's schema. Resolves to
   * how many waiting runs it resumed.
   * @example
   * ```ts
   * await escalation.notify("read", { at: new Date().toISOString() }, { key: notificationId });
   * ```
   */
  notify<TEvent extends Extract<keyof TEvents, string>>(
    event: TEvent,
    data: SchemaInput<TEvents[TEvent]>,
    options?: NotifyOptions,
  ): Promise<{ resumed: number }>;
}
