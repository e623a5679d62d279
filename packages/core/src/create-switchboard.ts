import {
  createSwitchboardDeadLetters,
  type SwitchboardDeadLetters,
} from "./dead-letters/switchboard-dead-letters";
import { SwitchboardError } from "./errors/switchboard-error";
import { createRoute, type FetchHandler, type RouteDefinitions } from "./route/route";
import { createRuntime, type Runtime } from "./runtime";
import type { AnySchema } from "./schema";
import { type Channel, type ChannelConfig, createChannel } from "./sending/channel";
import { createJob, type Job, type JobConfig } from "./sending/job";
import { callQStash } from "./sending/qstash-client";
import type { SwitchboardConfig } from "./switchboard-config";
import { createWorkflow } from "./workflow/create-workflow";
import type { Workflow, WorkflowConfig, WorkflowEvents } from "./workflow/workflow-types";

/** A switchboard: the factory for jobs and channels, and the one route that serves them. */
export interface Switchboard<TContext extends object = object> {
  /**
   * Defines a typed job. The payload type comes from `schema`.
   * @example
   * ```ts
   * export const sendEmail = sb.createJob({
   *   name: "send-email",
   *   schema: z.object({ to: z.email(), subject: z.string() }),
   *   retries: 3,
   *   handler: async ({ to, subject }, ctx) => ({ sent: true, attempt: ctx.attempt }),
   * });
   * ```
   */
  createJob<TSchema extends AnySchema, TResult>(
    config: JobConfig<TSchema, TResult, TContext>,
  ): Job<TSchema, Awaited<TResult>>;
  /**
   * Defines a fan-out channel: each publish sends one independently retried message per subscriber.
   * A subscriber with `digest` or `debounce` collects a key's events and is delivered them together.
   * @example
   * ```ts
   * export const notify = sb.createChannel({
   *   name: "notify",
   *   schema: z.object({ userId: z.string(), title: z.string() }),
   *   subscribers: {
   *     inApp: async (event) => feed.push(event.userId, event),
   *     sms: { retries: 5, handler: async (event) => sendSms(event.userId, event.title) },
   *     email: {
   *       digest: { key: (event) => event.userId, window: "10m", max: 50 },
   *       handler: async (events, ctx) => sendDigestMail(ctx.key, events),
   *     },
   *   },
   * });
   * ```
   */
  createChannel<
    TSchema extends AnySchema,
    const TSubscribers extends Record<string, unknown>,
    const TShape extends Record<string, unknown>,
    TCategory extends string = never,
  >(
    config: ChannelConfig<TSchema, TSubscribers, TContext, TShape, TCategory>,
  ): Channel<TSchema, Extract<keyof TSubscribers, string>, TCategory>;
  /**
   * Defines a typed durable workflow: a handler whose steps each run once, are recorded, and
   * survive retries, sleeps and waits. Serve it from the same route (`workflows: [...]`). Needs
   * `@upstash/workflow` installed (loaded on first use).
   * @example
   * ```ts
   * export const onboarding = sb.createWorkflow({
   *   name: "onboarding",
   *   schema: z.object({ userId: z.string() }),
   *   handler: async (input, step) => {
   *     const user = await step.run("load-user", () => loadUser(input.userId));
   *     await step.sleep("wait-a-day", "1d");
   *     return { welcomed: user.email };
   *   },
   * });
   * const { runId } = await onboarding.start({ userId: "u_1" });
   * ```
   */
  createWorkflow<
    TSchema extends AnySchema,
    TResult,
    TEvents extends WorkflowEvents = Record<never, AnySchema>,
  >(config: WorkflowConfig<TSchema, TResult, TEvents>): Workflow<TSchema, Awaited<TResult>, TEvents>;
  /**
   * The one route, as a fetch-style `(Request) => Promise<Response>`. Mount it with an adapter
   * (`@switchboard/core/next`, `/hono`, `/express`) or call it directly on any fetch runtime.
   * Throws at once on duplicate names, and in production when no signing keys are configured.
   * @example
   * ```ts
   * export const POST = sb.handler({ jobs: [sendEmail], channels: [notify] });
   * ```
   */
  handler(routes: RouteDefinitions): FetchHandler;
  /**
   * Cancels messages that have not been delivered yet.
   * @example
   * ```ts
   * const { messageId } = await reminder.dispatch(payload, { delay: "1d" });
   * await sb.cancel(messageId);
   * ```
   */
  cancel(messageIds: string | readonly string[]): Promise<void>;
  /**
   * QStash's dead-letter queue: a job's or channel's entries typed by its schema, or every entry;
   * retry or delete them by id.
   * @example
   * ```ts
   * const { entries } = await sb.deadLetters.list({ job: sendEmail });
   * for (const entry of entries) console.log(entry.failure.code, entry.failure.message);
   * await sb.deadLetters.delete(entries);
   * ```
   */
  readonly deadLetters: SwitchboardDeadLetters;
}

/**
 * Creates a switchboard. Every option can come from the environment instead, read per call.
 *
 * @example
 * ```ts
 * import { createSwitchboard } from "@switchboard/core";
 *
 * export const sb = createSwitchboard({
 *   url: "https://app.example.com/api/switchboard", // or SWITCHBOARD_URL
 *   context: () => ({ db }),                         // added to every handler's ctx
 * });
 * ```
 */
export function createSwitchboard<TContext extends object = object>(
  config: SwitchboardConfig<TContext> = {},
): Switchboard<TContext> {
  const runtime = createRuntime(config as SwitchboardConfig<object>);
  const switchboard: Switchboard<TContext> = {
    createJob: (jobConfig) => createJob(runtime, jobConfig),
    createChannel: (channelConfig) => createChannel(runtime, channelConfig),
    createWorkflow: (workflowConfig) => createWorkflow(runtime, workflowConfig),
    handler: (routes) => createRoute(runtime, routes),
    deadLetters: createSwitchboardDeadLetters(runtime),
    async cancel(messageIds) {
      const ids = typeof messageIds === "string" ? [messageIds] : [...messageIds];
      if (ids.length === 0 || !ids.every((id) => typeof id === "string" && id !== "")) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          "cancel: pass a message id or a non-empty array of message ids.",
        );
      }
      const client = runtime.qstash();
      const { messages } = client;
      await callQStash("cancel", client, () =>
        ids.length === 1 ? messages.delete(ids[0]!) : messages.deleteMany(ids).then(() => undefined),
      );
    },
  };
  runtimes.set(switchboard, runtime);
  return switchboard;
}

const runtimes = new WeakMap<object, Runtime>();

/** The runtime behind a switchboard, for the testing helpers. Internal. */
export function runtimeOf(switchboard: unknown): Runtime | undefined {
  return typeof switchboard === "object" && switchboard !== null ? runtimes.get(switchboard) : undefined;
}
