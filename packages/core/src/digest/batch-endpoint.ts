import { describeTarget, type RedisDriver, type RouteTarget } from "@switchboard/wire";
import type { DeliveryContext } from "../context";
import type { Endpoint } from "../definition";
import type { EnvRecord } from "../env";
import { describeThrown } from "../errors/describe-thrown";
import { RetryAfterError } from "../errors/retry-after-error";
import { SwitchboardError } from "../errors/switchboard-error";
import { logSafely } from "../log-safely";
import type { Runtime } from "../runtime";
import { type AnySchema, parsePayload } from "../schema";
import { toPublishFields } from "../sending/dispatch-options";
import type { JobDefaults } from "../sending/job";
import { publishOne } from "../sending/publish";
import { type BatchSettings, keyOf, MAX_KEY_LENGTH } from "./batch-settings";
import type { BatchContext } from "./batch-types";
import type { DigestStore } from "./digest-store";
import { processDigestStore } from "./memory-digest-store";
import { redisDigestStore } from "./redis-digest-store";

/** The largest event a digest or debounce subscriber collects (its JSON, in bytes). */
export const MAX_EVENT_BYTES = 256 * 1024;
/** A bucket holding this many bytes of events is full: it is delivered at once, and new events open another. */
export const MAX_BUCKET_BYTES = 1024 * 1024;
/** How long a delivered bucket is kept for its success hook, when there is one. */
const HOOK_KEEP_SECONDS = 86_400;
/** How long a flush holds its bucket when it never answers (a crash) and no `timeout` says otherwise. */
const DEFAULT_LEASE_SECONDS = 15 * 60;

/** What a channel hands over for one digest or debounce subscriber. Internal. */
export interface BatchSubscriber {
  target: Extract<RouteTarget, { kind: "channel" }>;
  schema: AnySchema;
  settings: BatchSettings;
  handler: (events: unknown[], ctx: BatchContext) => unknown;
  onSuccess: ((args: unknown) => unknown) | undefined;
  onFailure: ((args: unknown) => unknown) | undefined;
  /** The channel's defaults, then the subscriber's: the flush message is sent with them. */
  defaults: JobDefaults;
  /** The clock buckets are timed by (ms). @default Date.now */
  now?: () => number;
}

/** What a message id (and so a bucket id) may be: what QStash and the dev server issue, and nothing that could reach into another key's state. */
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

/** The flush message's body: which bucket of which key to deliver. */
interface FlushBody {
  key: string;
  bucket: string;
}

/** A per-event delivery, validated: the JSON as sent (stored) and the schema's output (keyed). */
interface Collected {
  input: unknown;
  output: unknown;
}

/**
 * The route's endpoint for a digest or debounce subscriber's target: a per-event delivery is
 * collected into its key's bucket (and the bucket's flush scheduled); a flush (`&flush=1`)
 * delivers a bucket to the handler; a flush's hooks receive the bucket's events. Internal.
 */
export function batchEndpoint(runtime: Runtime, subscriber: BatchSubscriber): Endpoint | undefined {
  const { target } = subscriber;
  const contextFields = { channel: target.channel, subscriber: target.subscriber };
  if (!target.flush) {
    // Per-event hooks are not sent for these subscribers: their hooks follow the flush.
    if (target.hook) return undefined;
    return {
      contextFields,
      prepare: async (json, validate): Promise<Collected> => ({ input: json, output: await validate(json) }),
      run: (payload, ctx, env) => collect(runtime, subscriber, payload as Collected, ctx, env),
    };
  }
  const prepare = async (json: unknown) => readFlushBody(json, describeTarget(target));
  if (!target.hook) {
    return {
      contextFields,
      prepare,
      run: (payload, ctx, env) => flush(runtime, subscriber, payload as FlushBody, ctx, env),
    };
  }
  const hook = target.hook === "success" ? subscriber.onSuccess : subscriber.onFailure;
  if (!hook) return undefined;
  const runHook = async (args: {
    payload: unknown;
    messageId: string;
    ctx: DeliveryContext;
    result?: unknown;
    error?: unknown;
  }) => {
    const { key, bucket } = args.payload as FlushBody;
    const contents = await storeOf(runtime).read(baseKey(subscriber, key), bucket);
    // A flush that failed for good after another flush delivered its bucket (a full bucket's
    // delayed flush, kept waiting): the events reached the handler, there is no failure to report.
    if (target.hook === "failure" && (!contents || contents.delivered)) return undefined;
    if (!contents) {
      throw new SwitchboardError(
        "NON_RETRIABLE",
        `${describeTarget(target)}: the events of bucket ${bucket} (key ${JSON.stringify(key)}) expired before this hook ran.`,
      );
    }
    const events = await parseEvents(subscriber, contents.events, bucket);
    const ctx = batchContext(subscriber, args.ctx, key, events.length, contents);
    const { payload: _flushBody, ...rest } = args;
    return hook({ ...rest, events, key, ctx });
  };
  return {
    contextFields,
    prepare,
    run: () => undefined,
    ...(target.hook === "success" ? { onSuccess: runHook } : { onFailure: runHook }),
  };
}

/** A per-event delivery: append the event to its key's open bucket, then make sure a flush is coming. */
async function collect(
  runtime: Runtime,
  subscriber: BatchSubscriber,
  collected: Collected,
  ctx: DeliveryContext,
  env: EnvRecord | undefined,
): Promise<undefined> {
  const { settings } = subscriber;
  const owner = describeTarget(subscriber.target);
  const key = keyOf(settings, collected.output, owner);
  const messageId = ctx.messageId;
  if (!ID_PATTERN.test(messageId)) {
    throw new SwitchboardError(
      "ROUTE_FAILED",
      `${owner}: the delivery's Upstash-Message-Id ${JSON.stringify(messageId.slice(0, 40))} is missing or not a QStash message id (1-200 of letters, digits, "_", "-", "."), so a retry could not be told from a new event.`,
      { fix: "Deliver through QStash (or the dev server), which sets it on every delivery." },
    );
  }
  const event = JSON.stringify(collected.input);
  const bytes = new TextEncoder().encode(event).byteLength;
  if (bytes > MAX_EVENT_BYTES) {
    throw new SwitchboardError(
      "NON_RETRIABLE",
      `${owner}: the event is ${bytes} bytes of JSON; a ${settings.mode} subscriber collects events of at most ${MAX_EVENT_BYTES} bytes. It was not collected and is in the dead-letter queue.`,
      {
        fix: "Publish an id and load the rest in the handler, or use a per-event subscriber for large events.",
      },
    );
  }
  const store = storeOf(runtime);
  const base = baseKey(subscriber, key);
  const now = (subscriber.now ?? Date.now)();
  const appended = await store.append({
    base,
    messageId,
    event,
    now,
    max: settings.max,
    maxBytes: MAX_BUCKET_BYTES,
    ttlSeconds: settings.ttlSeconds,
  });
  // Delivered and gone (a retry of an event whose bucket is done), or sealed: a flush has it.
  if (!appended.exists || appended.sealed) return undefined;
  const which = appended.full ? "now" : "delayed";
  if (appended.full ? appended.scheduledNow : appended.scheduled) return undefined;
  try {
    await scheduleFlush(runtime, subscriber, env, {
      body: { key, bucket: appended.bucket },
      delaySeconds: which === "now" ? 0 : settings.delaySeconds,
      dedupSuffix: which,
    });
  } catch (error) {
    // Fail the delivery (QStash retries it) with its event taken back, unless a flush sealed the
    // bucket meanwhile: then the event is on its way and this delivery succeeded after all.
    if (await store.withdraw(base, messageId, event)) throw error;
    return undefined;
  }
  await store.markScheduled(base, appended.bucket, which);
  return undefined;
}

/** A flush: deliver the bucket to the handler once, or re-schedule a debounce that is not due. */
async function flush(
  runtime: Runtime,
  subscriber: BatchSubscriber,
  body: FlushBody,
  ctx: DeliveryContext,
  env: EnvRecord | undefined,
): Promise<unknown> {
  const { settings } = subscriber;
  const store = storeOf(runtime);
  const base = baseKey(subscriber, body.key);
  const flushId = ctx.messageId;
  const now = (subscriber.now ?? Date.now)();
  const timeout = toPublishFields(
    flushDefaults(subscriber.defaults),
    describeTarget(subscriber.target),
  ).timeout;
  const claim = await store.claim({
    base,
    bucket: body.bucket,
    flushId,
    now,
    waitMs: settings.waitMs,
    maxWaitMs: settings.maxWaitMs,
    leaseMs: ((timeout ?? DEFAULT_LEASE_SECONDS) + 30) * 1000,
  });
  switch (claim.state) {
    case "gone":
    case "delivered":
      return undefined;
    case "early":
      await scheduleFlush(runtime, subscriber, env, {
        body,
        delaySeconds: Math.max(1, Math.ceil((claim.dueAt - now) / 1000)),
        dedupSuffix: `at${claim.dueAt}`,
      });
      return undefined;
    case "busy":
      throw new RetryAfterError(
        Math.min(300, Math.max(1, Math.ceil((claim.until - now) / 1000))),
        `Another flush of bucket ${body.bucket} is running; this one retries after it.`,
      );
  }
  let events: unknown[];
  try {
    events = await parseEvents(subscriber, claim.events, body.bucket);
  } catch (error) {
    await store.release(base, body.bucket, flushId);
    throw error;
  }
  const keep = subscriber.onSuccess ? HOOK_KEEP_SECONDS : 0;
  if (events.length === 0) {
    await store.finish(base, body.bucket, flushId, 0);
    return undefined;
  }
  let result: unknown;
  try {
    result = await subscriber.handler(events, batchContext(subscriber, ctx, body.key, events.length, claim));
  } catch (error) {
    await store.release(base, body.bucket, flushId).catch(() => {});
    throw error;
  }
  try {
    await store.finish(base, body.bucket, flushId, keep);
  } catch (error) {
    // The handler succeeded: answering 500 would deliver the bucket again. Its state expires.
    logSafely(
      runtime.logger,
      "error",
      `[switchboard] ${describeTarget(subscriber.target)}: bucket ${body.bucket} was delivered but could not be marked so (${describeThrown(error)}); it expires on its own.`,
    );
  }
  return result;
}

interface FlushMessage {
  body: FlushBody;
  delaySeconds: number;
  dedupSuffix: string;
}

/**
 * Publishes a flush to the subscriber's flush URL. The deduplication id is derived from the bucket,
 * so instances racing to schedule the same flush publish one message.
 */
async function scheduleFlush(
  runtime: Runtime,
  subscriber: BatchSubscriber,
  env: EnvRecord | undefined,
  message: FlushMessage,
): Promise<void> {
  const { channel, subscriber: name } = subscriber.target;
  const target = { kind: "channel", channel, subscriber: name, flush: true } as const;
  const owner = describeTarget(target);
  const options = {
    ...flushDefaults(subscriber.defaults),
    ...(message.delaySeconds > 0 ? { delay: message.delaySeconds } : {}),
    deduplicationId: `sb-flush.${channel}.${name}.${message.body.bucket}.${message.dedupSuffix}`,
  };
  await publishOne(
    runtime.qstash(env),
    {
      url: runtime.destination(target, env),
      body: message.body,
      fields: toPublishFields(options, owner),
      queue: undefined,
      callback: subscriber.onSuccess ? runtime.destination({ ...target, hook: "success" }, env) : undefined,
      failureCallback: subscriber.onFailure
        ? runtime.destination({ ...target, hook: "failure" }, env)
        : undefined,
    },
    `scheduling the ${owner}`,
  );
}

/** The subscriber's dispatch defaults that make sense for a flush: retries, timeout, labels, … not delays. */
function flushDefaults(defaults: JobDefaults): JobDefaults {
  const { delay: _delay, queue: _queue, contentBasedDeduplication: _content, ...rest } = defaults;
  return rest;
}

function batchContext(
  subscriber: BatchSubscriber,
  ctx: DeliveryContext,
  key: string,
  count: number,
  times: { firstAt: number; lastAt: number },
): BatchContext {
  // Built on the route's context object, keeping its lazy `signal` and `headers` getters.
  return Object.defineProperties(ctx, {
    batch: { value: subscriber.settings.mode, enumerable: true },
    key: { value: key, enumerable: true },
    count: { value: count, enumerable: true },
    firstEventAt: { value: new Date(times.firstAt), enumerable: true },
    lastEventAt: { value: new Date(times.lastAt), enumerable: true },
  }) as BatchContext;
}

/** Each stored event through the schema, as a per-event delivery would be. */
async function parseEvents(subscriber: BatchSubscriber, texts: string[], bucket: string): Promise<unknown[]> {
  const owner = describeTarget(subscriber.target);
  const events: unknown[] = [];
  for (const [index, text] of texts.entries()) {
    try {
      events.push(await parsePayload(subscriber.schema, JSON.parse(text), owner));
    } catch (error) {
      throw new SwitchboardError(
        "NON_RETRIABLE",
        `${owner}: event #${index} of bucket ${bucket} no longer passes the schema (${describeThrown(error)}). The bucket is in the dead-letter queue; fix the schema and retry it.`,
        { cause: error },
      );
    }
  }
  return events;
}

function readFlushBody(json: unknown, owner: string): FlushBody {
  const body = json as Partial<FlushBody> | null;
  if (
    body === null ||
    typeof body !== "object" ||
    typeof body.key !== "string" ||
    typeof body.bucket !== "string" ||
    !ID_PATTERN.test(body.bucket) ||
    body.key.length === 0 ||
    body.key.length > MAX_KEY_LENGTH
  ) {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: not a flush body ({ key, bucket }).`, {
      issues: [{ path: "", message: "Expected { key: string, bucket: string }" }],
    });
  }
  return { key: body.key, bucket: body.bucket };
}

/**
 * `prefix:{channel:subscriber:key}`: one hash tag, so a key's state shares one cluster slot. The
 * key is percent-encoded, so no key (`"a}:m:x"`, say) can spell another key's state.
 */
function baseKey(subscriber: BatchSubscriber, key: string): string {
  const { channel, subscriber: name } = subscriber.target;
  return `${subscriber.settings.prefix}:{${channel}:${name}:${encodeURIComponent(key)}}`;
}

const redisStores = new WeakMap<RedisDriver, DigestStore>();

/** `runtime.redis` as a digest store, else this process's memory store. */
function storeOf(runtime: Runtime): DigestStore {
  const { redis } = runtime;
  if (!redis) return processDigestStore();
  let store = redisStores.get(redis);
  if (!store) {
    store = redisDigestStore(redis);
    redisStores.set(redis, store);
  }
  return store;
}
