import { NAME_PATTERN, type RouteTarget } from "@switchboard/wire";
import type { FailureHookArgs, JobContext, SuccessHookArgs } from "../context";
import type { DeadLetters } from "../dead-letters/dead-letter";
import { createDeadLetters } from "../dead-letters/dead-letters";
import { type Definition, register } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";
import { checkDispatchPayload, checkedPayloadText } from "../json-safe";
import type { Runtime } from "../runtime";
import { type AnySchema, assertSchema, type SchemaInput, type SchemaOutput } from "../schema";
import { traceSend } from "../tracing/trace-send";
import { checkCron } from "./cron";
import {
  type DispatchManyOptions,
  type DispatchOptions,
  type DispatchResult,
  toConcurrency,
  toPublishFields,
} from "./dispatch-options";
import { type OutgoingMessage, publishBatch, publishOne } from "./publish";
import { callQStash } from "./qstash-client";

/** Dispatch defaults a job can declare; per-call options override them. */
export type JobDefaults = Omit<DispatchOptions, "deduplicationId" | "notBefore">;

/** What `sb.createJob` takes. */
export interface JobConfig<TSchema extends AnySchema, TResult, TContext extends object> extends JobDefaults {
  /** Unique, URL-safe name (letters, digits, `-`, `_`). It appears in the destination URL. */
  name: string;
  /** Any Standard Schema (zod documented). The payload type is inferred from it. */
  schema: TSchema;
  /** Runs for each delivery. Throw `NonRetriableError` or `RetryAfterError` to steer retries. */
  handler: (payload: SchemaOutput<TSchema>, ctx: JobContext & TContext) => TResult | Promise<TResult>;
  /** Runs once the handler succeeded (a QStash callback to the same route). */
  onSuccess?: (
    args: SuccessHookArgs<SchemaOutput<TSchema>, Awaited<TResult>, JobContext & TContext>,
  ) => unknown;
  /** Runs once the message failed for good: retries exhausted or non-retriable (QStash failure callback). */
  onFailure?: (args: FailureHookArgs<SchemaOutput<TSchema>, JobContext & TContext>) => unknown;
}

/** What `job.schedule` takes. */
export interface ScheduleInput<TPayload>
  extends Omit<DispatchOptions, "deduplicationId" | "contentBasedDeduplication" | "notBefore"> {
  /** Your id for the schedule, unique per job. Scheduling the same id again updates it. */
  id: string;
  /** Five-field cron in UTC, optionally prefixed with `CRON_TZ=Area/City `. */
  cron: string;
  payload: TPayload;
}

/** A schedule of a job, as listed by `job.schedules()`. */
export interface JobSchedule {
  /** The id you gave to `job.schedule`. */
  id: string;
  /** QStash's schedule id (`{job}.{id}`), shown in the QStash console. */
  scheduleId: string;
  cron: string;
  /** The payload sent on every run (as stored by QStash, not re-validated). */
  payload: unknown;
  paused: boolean;
  createdAt: Date;
}

/**
 * A typed background job. Create it with `sb.createJob`, list it in the route, and dispatch it
 * from anywhere.
 */
export interface Job<TSchema extends AnySchema = AnySchema, TResult = unknown> {
  readonly name: string;
  readonly schema: TSchema;
  /** Phantom: the handler's return type, for inference only. */
  readonly "~result"?: TResult;
  /**
   * Validates the payload, then publishes one message to QStash.
   * @example
   * ```ts
   * const { messageId } = await sendEmail.dispatch({ to: "a@b.co", subject: "Hi" }, { delay: "30s" });
   * ```
   */
  dispatch(payload: SchemaInput<TSchema>, options?: DispatchOptions): Promise<DispatchResult>;
  /**
   * Validates every payload first, then publishes them with QStash's batch API: one HTTP request
   * per `batchSize` messages, `concurrency` of them in flight (default 1: in order). Nothing is
   * sent if any payload is invalid. Results are in the order of `payloads`.
   * @example
   * ```ts
   * await sendEmail.dispatchMany(users.map((u) => ({ to: u.email, subject: "News" })));
   * ```
   */
  dispatchMany(
    payloads: readonly SchemaInput<TSchema>[],
    options?: DispatchManyOptions,
  ): Promise<DispatchResult[]>;
  /**
   * Creates or updates (by `id`) a cron schedule that dispatches this job.
   * @example
   * ```ts
   * await digest.schedule({ id: "daily", cron: "0 9 * * *", payload: { team: "eng" } });
   * ```
   */
  schedule(input: ScheduleInput<SchemaInput<TSchema>>): Promise<{ scheduleId: string }>;
  /** Deletes the schedule with this id. Resolves even if it did not exist. */
  unschedule(id: string): Promise<void>;
  /** Lists this job's schedules. */
  schedules(): Promise<JobSchedule[]>;
  /**
   * This job's messages in QStash's dead-letter queue, payloads typed by its schema and failures
   * decoded; retry or delete them.
   * @example
   * ```ts
   * const { entries } = await sendEmail.deadLetters.list();
   * await sendEmail.deadLetters.retry(entries.filter((e) => e.failure.status === 503));
   * ```
   */
  readonly deadLetters: DeadLetters<SchemaOutput<TSchema>>;
}

/** Creates a job bound to a runtime. Internal: users call `sb.createJob`. */
export function createJob<TSchema extends AnySchema, TResult, TContext extends object>(
  runtime: Runtime,
  config: JobConfig<TSchema, TResult, TContext>,
): Job<TSchema, Awaited<TResult>> {
  if (config === null || typeof config !== "object") {
    throw new SwitchboardError("INVALID_OPTIONS", "createJob: pass { name, schema, handler }.");
  }
  const { name, schema, handler, onSuccess, onFailure, ...defaults } = config;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `createJob: name ${JSON.stringify(name)} must be 1-128 URL-safe characters (letters, digits, "-", "_"), starting with a letter or digit.`,
    );
  }
  const owner = `job "${name}"`;
  assertSchema(schema, owner);
  if (typeof handler !== "function")
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: handler must be a function.`);
  for (const [hook, fn] of Object.entries({ onSuccess, onFailure })) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new SwitchboardError("INVALID_OPTIONS", `${owner}: ${hook} must be a function.`);
    }
  }
  toPublishFields(defaults, owner); // fail at definition time on bad defaults

  const target: RouteTarget = { kind: "job", job: name };
  const toMessage = async (payload: unknown, options: DispatchOptions): Promise<OutgoingMessage> => {
    const body = await parsePayloadForDispatch(payload);
    return { ...messageTemplate(options), body };
  };
  const messageTemplate = (options: DispatchOptions): OutgoingMessage => {
    const { queue, ...rest } = { ...defaults, ...options };
    return {
      url: runtime.destination(target),
      body: undefined,
      fields: toPublishFields(rest, owner),
      queue,
      callback: onSuccess ? runtime.destination({ ...target, hook: "success" }) : undefined,
      failureCallback: onFailure ? runtime.destination({ ...target, hook: "failure" }) : undefined,
    };
  };
  // Validate, but publish the caller's input: the handler parses it again at delivery, so
  // transforms and defaults run exactly once, where the payload is used.
  const parsePayloadForDispatch = async (payload: unknown) => {
    await checkDispatchPayload(schema, payload, owner);
    return payload;
  };

  const job: Job<TSchema, Awaited<TResult>> = {
    name,
    schema,
    deadLetters: createDeadLetters(runtime, { owner, schema, urls: () => [runtime.destination(target)] }),
    async dispatch(payload, options = {}) {
      const message = await toMessage(payload, options);
      return traceSend({ operation: "dispatch", job: name }, [message], ([traced]) =>
        publishOne(runtime.qstash(), traced!, `dispatch of ${owner}`),
      );
    },
    async dispatchMany(payloads, options = {}) {
      if (!Array.isArray(payloads)) {
        throw new SwitchboardError("INVALID_OPTIONS", `${owner}: dispatchMany takes an array of payloads.`);
      }
      const { concurrency, ...dispatchOptions } = options ?? {};
      const inFlight = toConcurrency(concurrency, owner);
      // Options are shared: validate and build them once, then only the body varies.
      const template = messageTemplate(dispatchOptions);
      const messages: OutgoingMessage[] = new Array(payloads.length);
      for (let index = 0; index < payloads.length; index++) {
        const payload = payloads[index];
        try {
          // Synchronous for a synchronous schema: no promise and microtask per payload.
          let text = checkedPayloadText(schema, payload, owner);
          if (text instanceof Promise) text = await text;
          messages[index] = {
            url: template.url,
            body: payload,
            text,
            fields: template.fields,
            queue: template.queue,
            callback: template.callback,
            failureCallback: template.failureCallback,
          };
        } catch (error) {
          if (error instanceof SwitchboardError && error.code === "INVALID_PAYLOAD") {
            throw new SwitchboardError(
              "INVALID_PAYLOAD",
              `payload #${index}: ${error.message} (nothing was published)`,
              {
                issues: error.issues ?? [],
                cause: error,
              },
            );
          }
          throw error;
        }
      }
      if (messages.length === 0) return [];
      return traceSend({ operation: "dispatchMany", job: name }, messages, (traced) =>
        publishBatch(
          runtime.qstash(),
          traced,
          { batchSize: runtime.batchSize, concurrency: inFlight },
          `dispatchMany of ${owner}`,
        ),
      );
    },
    async schedule(input) {
      if (input === null || typeof input !== "object") {
        throw new SwitchboardError("INVALID_OPTIONS", `${owner}: schedule takes { id, cron, payload }.`);
      }
      const { id, cron, payload, ...options } = input;
      checkScheduleId(id, owner);
      const expression = checkCron(cron, `${owner} schedule "${id}"`);
      const message = await toMessage(payload, options);
      const { fields } = message;
      const scheduleId = `${name}.${id}`;
      const client = runtime.qstash();
      const response = await callQStash(`schedule of ${owner}`, client, () =>
        client.schedules.create({
          destination: message.url,
          scheduleId,
          cron: expression,
          body: JSON.stringify(message.body),
          headers: { "Content-Type": "application/json", ...fields.headers },
          retries: fields.retries,
          ...(fields.delay ? { delay: fields.delay } : {}),
          ...(fields.retryDelay ? { retryDelay: fields.retryDelay } : {}),
          ...(fields.timeout ? { timeout: fields.timeout } : {}),
          ...(fields.flowControl ? { flowControl: fields.flowControl } : {}),
          ...(fields.label ? { label: fields.label } : {}),
          ...(message.queue ? { queueName: message.queue } : {}),
          ...(message.callback ? { callback: message.callback } : {}),
          ...(message.failureCallback ? { failureCallback: message.failureCallback } : {}),
        }),
      );
      return { scheduleId: response.scheduleId };
    },
    async unschedule(id) {
      checkScheduleId(id, owner);
      const client = runtime.qstash();
      await callQStash(`unschedule of ${owner}`, client, () => client.schedules.delete(`${name}.${id}`));
    },
    async schedules() {
      const url = runtime.destination(target);
      const client = runtime.qstash();
      const all = await callQStash(`listing schedules of ${owner}`, client, () => client.schedules.list());
      return all
        .filter((s) => s.destination === url && s.scheduleId.startsWith(`${name}.`))
        .map((s) => ({
          id: s.scheduleId.slice(name.length + 1),
          scheduleId: s.scheduleId,
          cron: s.cron,
          payload: parseStoredBody(s.body),
          paused: s.isPaused,
          createdAt: new Date(s.createdAt),
        }));
    },
  };

  const definition: Definition = {
    kind: "job",
    name,
    schema,
    runtime,
    endpoint: (t) =>
      t.kind === "job" && t.job === name
        ? {
            contextFields: { job: name },
            run: (payload, ctx) => handler(payload as SchemaOutput<TSchema>, ctx as JobContext & TContext),
            onSuccess: onSuccess as never,
            onFailure: onFailure as never,
          }
        : undefined,
  };
  return register(job, definition);
}

function checkScheduleId(id: unknown, owner: string): void {
  if (typeof id !== "string" || !NAME_PATTERN.test(id)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: schedule id ${JSON.stringify(id)} must be 1-128 URL-safe characters (letters, digits, "-", "_").`,
    );
  }
}

function parseStoredBody(body: string | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
