import { NAME_PATTERN } from "@switchboard/wire";
import type { FailureHookArgs, SubscriberContext, SuccessHookArgs } from "../context";
import type { ChannelDeadLetterListOptions, DeadLetters } from "../dead-letters/dead-letter";
import { createDeadLetters } from "../dead-letters/dead-letters";
import { type Definition, type Endpoint, register } from "../definition";
import { batchEndpoint } from "../digest/batch-endpoint";
import { type BatchSettings, readBatchSettings } from "../digest/batch-settings";
import type { DebounceSubscriber, DigestSubscriber } from "../digest/batch-types";
import type { SubscribersShape } from "../digest/subscribers-shape";
import { SwitchboardError } from "../errors/switchboard-error";
import { preparePayload } from "../json-safe";
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

/**
 * A per-event subscriber: a handler, or a handler with its own retry and delivery options and hooks.
 *
 * @example
 * ```ts
 * const sms: PerEventSubscriber<{ userId: string }, object> = { retries: 5, handler: async (e) => sendSms(e.userId) };
 * ```
 */
export type PerEventSubscriber<TPayload, TContext extends object> =
  | SubscriberHandler<TPayload, TContext>
  | (JobDefaults & {
      handler: SubscriberHandler<TPayload, TContext>;
      onSuccess?: (args: SuccessHookArgs<TPayload, unknown, SubscriberContext & TContext>) => unknown;
      onFailure?: (args: FailureHookArgs<TPayload, SubscriberContext & TContext>) => unknown;
    });

/**
 * A subscriber: a handler, `{ handler, retries?, … }`, or a digest / debounce subscriber whose
 * handler receives every event collected for a key (`{ digest: { key, window }, handler }`,
 * `{ debounce: { key, wait }, handler }`).
 */
export type SubscriberConfig<TPayload, TContext extends object> =
  | PerEventSubscriber<TPayload, TContext>
  | DigestSubscriber<TPayload, TContext>
  | DebounceSubscriber<TPayload, TContext>;

/**
 * The names of a channel's per-event subscribers (not digest or debounce ones): the ones the
 * channel's own `onSuccess` / `onFailure` cover.
 *
 * @example
 * ```ts
 * type Covered = PerEventSubscriberName<{ inApp: () => void; email: { digest: unknown } }>; // "inApp"
 * ```
 */
export type PerEventSubscriberName<TSubscribers> = {
  [K in Extract<keyof TSubscribers, string>]: TSubscribers[K] extends
    | { digest: unknown }
    | { debounce: unknown }
    ? never
    : K;
}[Extract<keyof TSubscribers, string>];

/** What `sb.createChannel` takes. */
export interface ChannelConfig<
  TSchema extends AnySchema,
  TSubscribers extends Record<string, unknown>,
  TContext extends object,
  TShape = TSubscribers,
  TCategory extends string = never,
> extends JobDefaults {
  /** Unique, URL-safe name (letters, digits, `-`, `_`). */
  name: string;
  /** Any Standard Schema (zod documented); every subscriber receives its output type. */
  schema: TSchema;
  /**
   * Each subscriber is delivered and retried on its own: a failing SMS provider never re-sends the
   * email. A subscriber with `digest` or `debounce` receives every event collected for a key at once.
   */
  subscribers: TSubscribers & SubscribersShape<TShape, SchemaOutput<TSchema>, TContext, TSubscribers>;
  /**
   * Runs after any per-event subscriber succeeded; `ctx.subscriber` says which, and `result` is
   * what that subscriber's handler returned (the union over the subscribers). Digest and debounce
   * subscribers take their own `onSuccess`, which receives their `events`.
   */
  onSuccess?: (args: ChannelSuccessArgs<SchemaOutput<TSchema>, TSubscribers, TContext>) => unknown;
  /**
   * Runs after any per-event subscriber failed for good; `ctx.subscriber` says which. Digest and
   * debounce subscribers take their own `onFailure`, which receives their `events`.
   */
  onFailure?: (
    args: FailureHookArgs<
      SchemaOutput<TSchema>,
      SubscriberContext<PerEventSubscriberName<TSubscribers>> & TContext
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

/**
 * A channel-level success hook's arguments: one case per per-event subscriber, its name and its
 * result (digest and debounce subscribers have hooks of their own).
 */
export type ChannelSuccessArgs<TPayload, TSubscribers, TContext extends object> = {
  [K in PerEventSubscriberName<TSubscribers>]: SuccessHookArgs<
    TPayload,
    SubscriberResult<TSubscribers[K]>,
    SubscriberContext<K> & TContext
  >;
}[PerEventSubscriberName<TSubscribers>];

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
  handler: (input: never, ctx: never) => unknown;
  defaults: JobDefaults;
  onSuccess?: ((args: never) => unknown) | undefined;
  onFailure?: ((args: never) => unknown) | undefined;
  /** Set for digest and debounce subscribers. */
  batch?: BatchSettings | undefined;
}

/** Creates a channel bound to a runtime. Internal: users call `sb.createChannel`. */
export function createChannel<
  TSchema extends AnySchema,
  TSubscribers extends Record<string, unknown>,
  TContext extends object,
  TShape,
  TCategory extends string = never,
>(
  runtime: Runtime,
  config: ChannelConfig<TSchema, TSubscribers, TContext, TShape, TCategory>,
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
      const { text, output: event } = await preparePayload(schema, payload, owner);
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
          text,
          fields: toPublishFields({ ...rest, ...dedup }, `${owner} subscriber "${subscriber}"`),
          queue,
          // A digest or debounce subscriber's hooks follow its flush, not each event.
          callback:
            !sub.batch && (sub.onSuccess || onSuccess)
              ? runtime.destination({ ...target, hook: "success" })
              : undefined,
          failureCallback:
            !sub.batch && (sub.onFailure || onFailure)
              ? runtime.destination({ ...target, hook: "failure" })
              : undefined,
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
      if (sub.batch) {
        return batchEndpoint(runtime, {
          target,
          schema,
          settings: sub.batch,
          handler: sub.handler as never,
          onSuccess: sub.onSuccess as never,
          onFailure: sub.onFailure as never,
          defaults: { ...defaults, ...sub.defaults },
        });
      }
      if (target.flush) return undefined;
      const both = <A>(first: ((a: A) => unknown) | undefined, second: ((a: A) => unknown) | undefined) =>
        first || second
          ? async (args: A) => {
              await first?.(args);
              await second?.(args);
            }
          : undefined;
      return {
        contextFields: { channel: name, subscriber: target.subscriber },
        run: (payload, ctx) =>
          (sub.handler as SubscriberHandler<unknown, object>)(payload, ctx as SubscriberContext),
        onSuccess: both(sub.onSuccess as never, onSuccess as never),
        onFailure: both(sub.onFailure as never, onFailure as never),
      };
    },
  };
  return register(channel, definition);
}

function normalizeSubscriber(owner: string, name: string, value: unknown): NormalizedSubscriber {
  if (!NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: subscriber name "${name}" must be URL-safe (letters, digits, "-", "_").`,
    );
  }
  if (typeof value === "function")
    return { handler: value as SubscriberHandler<unknown, object>, defaults: {} };
  const config = value as Partial<
    JobDefaults & {
      handler: (input: never, ctx: never) => unknown;
      onSuccess: (args: never) => unknown;
      onFailure: (args: never) => unknown;
      digest: unknown;
      debounce: unknown;
    }
  >;
  if (value === null || typeof value !== "object" || typeof config.handler !== "function") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: subscriber "${name}" must be a function or { handler, retries?, … }; a digest or debounce subscriber is { digest: { key, window }, handler } or { debounce: { key, wait }, handler }.`,
    );
  }
  const { handler, onSuccess, onFailure, digest, debounce, ...defaults } = config as typeof config & {
    handler: (input: never, ctx: never) => unknown;
  };
  const where = `${owner} subscriber "${name}"`;
  for (const [hook, fn] of Object.entries({ onSuccess, onFailure })) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new SwitchboardError("INVALID_OPTIONS", `${where}: ${hook} must be a function.`);
    }
  }
  toPublishFields(defaults, where);
  const batch = readBatchSettings(where, { digest, debounce });
  return { handler, defaults, onSuccess, onFailure, batch };
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
