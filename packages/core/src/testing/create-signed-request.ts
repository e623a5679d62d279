import {
  DEFAULT_RETRIES,
  encodeCallbackBody,
  HEADERS,
  type Hook,
  type RouteTarget,
  signPayload,
  withoutHook,
} from "@switchboard/wire";
import type { Switchboard } from "../create-switchboard";
import { runtimeOf } from "../create-switchboard";
import { definitionOf } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";
import type { AnySchema, SchemaInput } from "../schema";
import type { Channel } from "../sending/channel";
import type { Job } from "../sending/job";

/** What a callback delivery reports, for `hook` in {@link SignedRequestOptions}. */
export type CallbackOutcome =
  | { hook: "success"; result?: unknown }
  | { hook: "failure"; status: number; body?: unknown; dlqId?: string; retried?: number };

/** Options for {@link createSignedRequest}. */
export interface SignedRequestOptions<TSubscriber extends string = string> {
  /** The subscriber, when the target is a channel: one of the channel's subscriber names. */
  subscriber?: TSubscriber;
  /** Deliver as QStash's success or failure callback for this message instead. */
  callback?: CallbackOutcome;
  /** `Upstash-Retried`. @default 0 */
  retried?: number;
  /** The retry budget header. @default 3 */
  maxRetries?: number;
  /** `Upstash-Message-Id`. @default a random `msg_…` id */
  messageId?: string;
  /** `Upstash-Schedule-Id`, to simulate a scheduled delivery. */
  scheduleId?: string;
  /** Sign with this key instead of the switchboard's current key. */
  signingKey?: string;
  /** Send this raw body instead of `JSON.stringify(payload)` (to test non-JSON bodies). */
  rawBody?: string;
  /** Request this URL instead of the destination (to simulate a proxy rewriting it). */
  requestUrl?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/**
 * Builds a `Request` exactly as QStash would deliver it to your route: the destination URL, the
 * JSON body and a valid `Upstash-Signature` made with the switchboard's signing key. Use it to
 * test handlers end to end without QStash. The payload is typed by the job's or channel's schema
 * (its input, as `dispatch` takes it), and a channel needs one of its subscriber names; to send
 * what the schema refuses, pass `rawBody`.
 *
 * @example
 * ```ts
 * import { createSignedRequest } from "@switchboard/core/testing";
 *
 * const route = sb.handler({ jobs: [sendEmail], channels: [notify] });
 * const response = await route(await createSignedRequest(sb, sendEmail, { to: "a@b.co", subject: "Hi" }));
 * expect(response.status).toBe(200);
 * await route(await createSignedRequest(sb, notify, { userId: "u1", title: "Hi" }, { subscriber: "email" }));
 * ```
 */
export function createSignedRequest<TSchema extends AnySchema>(
  sb: Switchboard<object>,
  target: Job<TSchema, unknown>,
  payload: SchemaInput<TSchema>,
  options?: SignedRequestOptions<never>,
): Promise<Request>;
export function createSignedRequest<TSchema extends AnySchema, TSubscriber extends string>(
  sb: Switchboard<object>,
  target: Channel<TSchema, TSubscriber>,
  payload: SchemaInput<TSchema>,
  // NoInfer: the names come from the channel alone, so a wrong name is an error, not a wider union.
  options: SignedRequestOptions<NoInfer<TSubscriber>> & { subscriber: NoInfer<TSubscriber> },
): Promise<Request>;
export async function createSignedRequest(
  sb: Switchboard<object>,
  target: Job | Channel,
  payload: unknown,
  options: SignedRequestOptions = {},
): Promise<Request> {
  const runtime = runtimeOf(sb);
  const definition = definitionOf(target);
  if (!runtime || !definition) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "createSignedRequest: pass a switchboard and a job or channel it created.",
    );
  }
  const hook: Hook | undefined = options.callback?.hook;
  let route: RouteTarget;
  if (definition.kind === "job") {
    route = hook ? { kind: "job", job: definition.name, hook } : { kind: "job", job: definition.name };
  } else {
    if (!options.subscriber) {
      throw new SwitchboardError("INVALID_OPTIONS", "createSignedRequest: pass `subscriber` for a channel.");
    }
    const base = { kind: "channel", channel: definition.name, subscriber: options.subscriber } as const;
    route = hook ? { ...base, hook } : base;
  }
  const url = runtime.destination(route);
  const sourceUrl = runtime.destination(withoutHook(route));
  const key = options.signingKey ?? runtime.signingKeys()?.current;
  if (!key) {
    throw new SwitchboardError(
      "CONFIGURATION",
      "createSignedRequest: the switchboard has no signing key; pass `signingKey`.",
    );
  }
  const messageId = options.messageId ?? `msg_${crypto.randomUUID().replace(/-/g, "")}`;
  const body =
    options.rawBody ??
    JSON.stringify(options.callback ? callbackBody(payload, messageId, sourceUrl, options) : payload);
  const headers = new Headers({
    "Content-Type": "application/json",
    "User-Agent": "Upstash-QStash",
    [HEADERS.signature]: await signPayload({ key, url, body }),
    [HEADERS.messageId]: options.callback ? `msg_cb_${messageId}` : messageId,
    [HEADERS.retried]: String(options.retried ?? 0),
    [HEADERS.maxRetries]: String(options.maxRetries ?? DEFAULT_RETRIES),
    ...options.headers,
  });
  if (options.scheduleId) headers.set(HEADERS.scheduleId, options.scheduleId);
  return new Request(options.requestUrl ?? url, { method: "POST", headers, body });
}

const encoder = new TextEncoder();

/** QStash's callback body for the message this request reports on, via the wire format's encoder. */
function callbackBody(payload: unknown, messageId: string, sourceUrl: string, options: SignedRequestOptions) {
  const outcome = options.callback!;
  const response =
    outcome.hook === "success"
      ? outcome.result === undefined
        ? ""
        : JSON.stringify(outcome.result)
      : typeof outcome.body === "string"
        ? outcome.body
        : JSON.stringify(outcome.body ?? "");
  const maxRetries = options.maxRetries ?? DEFAULT_RETRIES;
  return encodeCallbackBody({
    response: {
      status: outcome.hook === "success" ? 200 : outcome.status,
      header: { "Content-Type": ["application/json"] },
      body: encoder.encode(response),
    },
    source: {
      messageId,
      url: sourceUrl,
      header: { "Content-Type": ["application/json"] },
      body: encoder.encode(JSON.stringify(payload)),
      retried: outcome.hook === "failure" ? (outcome.retried ?? maxRetries) : (options.retried ?? 0),
      maxRetries,
      createdAt: Date.now(),
      callerIp: "127.0.0.1",
    },
    dlqId: outcome.hook === "failure" ? (outcome.dlqId ?? `dlq_${messageId}`) : undefined,
  });
}
