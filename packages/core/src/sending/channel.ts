import { NAME_PATTERN } from "@switchboard/wire";
import type { FailureHookArgs, SubscriberContext, SuccessHookArgs } from "../context";
import type { ChannelDeadLetterListOptions, DeadLetters } from "../dead-letters/dead-letter";
import { createDeadLetters } from "../dead-letters/dead-letters";
import { type Definition, type Endpoint, register } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";
import { checkDispatchPayload } from "../json-safe";
import { createChannelPreferences } from "../preferences/channel-preferences";
import type { ChannelPreferences, PreferencesConfig } from "../preferences/preferences-config";
import { recordSkipped } from "../preferences/skipped-subscribers";
import type { Runtime } from "../runtime";
import { type AnySchema, assertSchema, type SchemaInput, type SchemaOutput } from "../schema";
import { traceSend } from "../tracing/trace-send";
import type { DispatchOptions, DispatchResult } from "./dispatch-options";
import { toPublishFields } from "./dispatch-options";
import type { JobDefaults } from "./job";
import { type OutgoingMessage, publishBatch } from "./publish";

/** A subscriber's handler. */
export type SubscriberHandler<TPayload, TContext extends object> = (
  event: TPayload,
  ctx: SubscriberContext & TContext,
) => unknown;

/** A subscriber: a handler, or a handler with its own retry and delivery options and hooks. */
export type SubscriberConfig<TPayload, TContext extends object> =
  | SubscriberHandler<TPayload, TContext>
  | (JobDefaults & {
      handler: SubscriberHandler<TPayload, TContext>;
      onSuccess?: (args: SuccessHookArgs<TPayload, unknown, SubscriberContext & TContext>) => unknown;
      onFailure?: (args: FailureHookArgs<TPayload, SubscriberContext & TContext>) => unknown;
    });

/** What `sb.createChannel` takes. */
export interface ChannelConfig<
  TSchema extends AnySchema,
  TSubscribers extends Record<string, SubscriberConfig<SchemaOutput<TSchema>, TContext>>,
  TContext extends object,
  TCategory extends string = never,
> extends JobDefaults {
  /** Unique, URL-safe name (letters, digits, `-`, `_`). */
  name: string;
  /** Any Standard Schema (zod documented); every subscriber receives its output type. */
  schema: TSchema;
  /** Each subscriber is delivered and retried on its own: a failing SMS provider never re-sends the email. */
  subscribers: TSubscribers;
  /**
   * Runs after any subscriber succeeded; `ctx.subscriber` says which, and `result` is what that
   * subscriber's handler returned (the union over the subscribers).
   */
  onSuccess?: (args: ChannelSuccessArgs<SchemaOutput<TSchema>, TSubscribers, TContext>) => unknown;
  /** Runs after any subscriber failed for good; `ctx.subscriber` says which. */
  onFailure?: (
    args: FailureHookArgs<
      SchemaOutput<TSchema>,
      SubscriberContext<Extract<keyof TSubscribers, string>> & TContext
    >,
  ) => unknown;
  /**
   * Per-recipient notification preferences `publish` consults before sending: a subscriber the
   * recipient muted for the event's category gets no message. Kept in `createSwitchboard({ redis })`
   * (else this process's memory). See {@link PreferencesConfig}.
   * @default none: every selected subscriber gets every event
   */
  preferences?: PreferencesConfig<SchemaOutput<TSchema>, Extract<keyof TSubscribers, string>, TCategory>;
}

/**
 * What a subscriber's handler resolves to, as its success hook receives it.
 *
 * @example
 * ```ts
 * type Sent = SubscriberResult<typeof subscribers.email>; // e.g. { id: string }
 * ```
 */
export type SubscriberResult<TSubscriber> = TSubscriber extends (...args: never[]) => infer R
  ? Awaited<R>
  : TSubscriber extends { handler: (...args: never[]) => infer R }
    ? Awaited<R>
    : unknown;

/** A channel-level success hook's arguments: one case per subscriber, its name and its result. */
export type ChannelSuccessArgs<TPayload, TSubscribers, TContext extends object> = {
  [K in Extract<keyof TSubscribers, string>]: SuccessHookArgs<
    TPayload,
    SubscriberResult<TSubscribers[K]>,
    SubscriberContext<K> & TContext
  >;
}[Extract<keyof TSubscribers, string>];

/** Options for `channel.publish`: dispatch options plus `only`, a subset of subscribers. */
export interface PublishOptions<TSubscriber extends string> extends DispatchOptions {
  /** Deliver only to these subscribers. @default every subscriber */
  only?: readonly TSubscriber[];
}

/**
 * The message each selected subscriber was sent, by subscriber name. Subscribers the recipient's
 * preferences left out have none: `skippedSubscribers(result)` says which and why.
 */
export type PublishResult<TSubscriber extends string> = { [K in TSubscriber]?: DispatchResult };

/** A fan-out channel: one publish, one independently retried message per subscriber. */
export interface Channel<
  TSchema extends AnySchema = AnySchema,
  TSubscriber extends string = string,
  TCategory extends string = string,
> {
  readonly name: string;
  readonly schema: TSchema;
  /** The declared subscriber names. */
  readonly subscribers: readonly TSubscriber[];
  /**
   * Validates once, then sends one QStash batch request with a message per selected subscriber.
   * With `preferences`, it first reads the recipient's (one Redis round trip) and sends nothing to
   * the subscribers they muted for the event's category; `skippedSubscribers(sent)` says which
   * and why. If the preferences cannot be read, it throws `REDIS_FAILED` and sends nothing.
   * @example
   * ```ts
   * const sent = await notify.publish({ userId: "u1", title: "Hi" }, { only: ["email", "inApp"] });
   * sent.email?.messageId;
   * skippedSubscribers(sent).inApp?.reason; // "muted" when u1 turned in-app notifications off
   * ```
   */
  publish(
    payload: SchemaInput<TSchema>,
    options?: PublishOptions<TSubscriber>,
  ): Promise<PublishResult<TSubscriber>>;
  /**
   * This channel's messages in QStash's dead-letter queue (every subscriber's, or one's), payloads
   * typed by its schema and failures decoded; retry or delete them.
   * @example
   * ```ts
   * const { entries } = await notify.deadLetters.list({ subscriber: "sms" });
   * await notify.deadLetters.retry(entries);
   * ```
   */
  readonly deadLetters: DeadLetters<SchemaOutput<TSchema>, ChannelDeadLetterListOptions<TSubscriber>>;
  /**
   * The recipients' notification preferences for this channel's categories and subscribers
   * (declared with the `preferences` option; without it every call throws `INVALID_OPTIONS`).
   * @example
   * ```ts
   * await notify.preferences.set("u_1", { comments: { sms: true } });
   * const prefs = await notify.preferences.get("u_1"); // { comments: { email: true, sms: true }, ... }
   * ```
   */
  readonly preferences: ChannelPreferences<TSubscriber, TCategory>;
}

interface NormalizedSubscriber {
  handler: SubscriberHandler<unknown, object>;
  defaults: JobDefaults;
  onSuccess?: ((args: never) => unknown) | undefined;
  onFailure?: ((args: never) => unknown) | undefined;
}

/** Creates a channel bound to a runtime. Internal: users call `sb.createChannel`. */
export function createChannel<
  TSchema extends AnySchema,
  TSubscribers extends Record<string, SubscriberConfig<SchemaOutput<TSchema>, TContext>>,
  TContext extends object,
  TCategory extends string = never,
>(
  runtime: Runtime,
  config: ChannelConfig<TSchema, TSubscribers, TContext, TCategory>,
): Channel<TSchema, Extract<keyof TSubscribers, string>, TCategory> {
  type Name = Extract<keyof TSubscribers, string>;
  if (config === null || typeof config !== "object") {
    throw new SwitchboardError("INVALID_OPTIONS", "createChannel: pass { name, schema, subscribers }.");
  }
  const { name, schema, subscribers, onSuccess, onFailure, preferences, ...defaults } = config;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `createChannel: name ${JSON.stringify(name)} must be 1-128 URL-safe characters (letters, digits, "-", "_").`,
    );
  }
  const owner = `channel "${name}"`;
  assertSchema(schema, owner);
  toPublishFields(defaults, owner);
  if (subscribers === null || typeof subscribers !== "object" || Object.keys(subscribers).length === 0) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: declare at least one subscriber, e.g. { email: async (event) => {} }.`,
    );
  }
  const normalized = new Map<string, NormalizedSubscriber>();
  for (const [subscriber, value] of Object.entries(subscribers)) {
    normalized.set(
      subscriber,
      normalizeSubscriber(owner, subscriber, value as SubscriberConfig<unknown, object>),
    );
  }
  const names = [...normalized.keys()] as Name[];
  const prefs = createChannelPreferences<Name, TCategory>(runtime, owner, names, preferences);

  const channel: Channel<TSchema, Name, TCategory> = {
    name,
    schema,
    subscribers: names,
    preferences: prefs.api,
    deadLetters: createDeadLetters(runtime, {
      owner,
      schema,
      urls: (only?: string) =>
        (only === undefined ? names : selectSubscribers(owner, names, [only as Name])).map((subscriber) =>
          runtime.destination({ kind: "channel", channel: name, subscriber }),
        ),
    }),
    async publish(payload, options = {}) {
      const { only, ...dispatchOptions } = options ?? {};
      const chosen = selectSubscribers(owner, names, only);
      const event = await checkDispatchPayload(schema, payload, owner);
      const { send: selected, skipped } = await prefs.decide(event, chosen);
      const messages: OutgoingMessage[] = selected.map((subscriber) => {
        const sub = normalized.get(subscriber)!;
        const target = { kind: "channel", channel: name, subscriber } as const;
        const { queue, deduplicationId, ...rest } = { ...defaults, ...sub.defaults, ...dispatchOptions };
        // One dedup id per subscriber: QStash dedups across destinations, and every subscriber needs its copy.
        const dedup =
          deduplicationId === undefined ? {} : { deduplicationId: `${deduplicationId}.${subscriber}` };
        return {
          url: runtime.destination(target),
          body: payload,
          fields: toPublishFields({ ...rest, ...dedup }, `${owner} subscriber "${subscriber}"`),
          queue,
          callback:
            sub.onSuccess || onSuccess ? runtime.destination({ ...target, hook: "success" }) : undefined,
          failureCallback:
            sub.onFailure || onFailure ? runtime.destination({ ...target, hook: "failure" }) : undefined,
        };
      });
      const results =
        messages.length === 0
          ? []
          : await traceSend({ operation: "publish", channel: name }, messages, (traced) =>
              publishBatch(runtime.qstash(), traced, { batchSize: runtime.batchSize }, `publish to ${owner}`),
            );
      const byName: PublishResult<Name> = {};
      selected.forEach((subscriber, index) => {
        byName[subscriber] = results[index];
      });
      return recordSkipped(byName, skipped);
    },
  };

  const definition: Definition = {
    kind: "channel",
    name,
    schema,
    runtime,
    subscribers: names,
    endpoint(target): Endpoint | undefined {
      if (target.kind !== "channel" || target.channel !== name) return undefined;
      const sub = normalized.get(target.subscriber);
      if (!sub) return undefined;
      const both = <A>(first: ((a: A) => unknown) | undefined, second: ((a: A) => unknown) | undefined) =>
        first || second
          ? async (args: A) => {
              await first?.(args);
              await second?.(args);
            }
          : undefined;
      return {
        contextFields: { channel: name, subscriber: target.subscriber },
        run: (payload, ctx) => sub.handler(payload, ctx as SubscriberContext),
        onSuccess: both(sub.onSuccess as never, onSuccess as never),
        onFailure: both(sub.onFailure as never, onFailure as never),
      };
    },
  };
  return register(channel, definition);
}

function normalizeSubscriber(
  owner: string,
  name: string,
  value: SubscriberConfig<unknown, object>,
): NormalizedSubscriber {
  if (!NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: subscriber name "${name}" must be URL-safe (letters, digits, "-", "_").`,
    );
  }
  if (typeof value === "function") return { handler: value, defaults: {} };
  if (value === null || typeof value !== "object" || typeof value.handler !== "function") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: subscriber "${name}" must be a function or { handler, retries?, … }.`,
    );
  }
  const { handler, onSuccess, onFailure, ...defaults } = value;
  toPublishFields(defaults, `${owner} subscriber "${name}"`);
  return { handler: handler as SubscriberHandler<unknown, object>, defaults, onSuccess, onFailure };
}

function selectSubscribers<Name extends string>(
  owner: string,
  names: Name[],
  only: readonly Name[] | undefined,
): Name[] {
  if (only === undefined) return names;
  if (!Array.isArray(only) || only.length === 0) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: \`only\` must be a non-empty array of subscriber names.`,
    );
  }
  for (const subscriber of only) {
    if (!names.includes(subscriber)) {
      throw new SwitchboardError(
        "INVALID_OPTIONS",
        `${owner}: unknown subscriber "${String(subscriber)}" in \`only\`. Declared subscribers: ${names.join(", ")}.`,
      );
    }
  }
  return names.filter((subscriber) => only.includes(subscriber));
}
