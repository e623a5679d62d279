import { toBase64 } from "../base64";
import type { Channel } from "../channel";
import type { Switchboard } from "../create-switchboard";
import { runtimeOf } from "../create-switchboard";
import { definitionOf } from "../definition";
import type { Hook, RouteTarget } from "../destination";
import { MAX_RETRIES_HEADER } from "../dispatch-options";
import type { Job } from "../job";
import { signPayload } from "../signature";
import { SwitchboardError } from "../switchboard-error";

/** What a callback delivery reports, for `hook` in {@link SignedRequestOptions}. */
export type CallbackOutcome =
  | { hook: "success"; result?: unknown }
  | { hook: "failure"; status: number; body?: unknown; dlqId?: string; retried?: number };

/** Options for {@link createSignedRequest}. */
export interface SignedRequestOptions {
  /** The subscriber, when the target is a channel. */
  subscriber?: string;
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
 * test handlers end to end without QStash.
 *
 * @example
 * ```ts
 * import { createSignedRequest } from "@switchboard/core/testing";
 *
 * const route = sb.handler({ jobs: [sendEmail] });
 * const response = await route(await createSignedRequest(sb, sendEmail, { to: "a@b.co", subject: "Hi" }));
 * expect(response.status).toBe(200);
 * ```
 */
export async function createSignedRequest<TPayload>(
  sb: Switchboard<object>,
  target: Job | Channel,
  payload: TPayload,
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
    JSON.stringify(options.callback ? callbackBody(payload, messageId, url, options) : payload);
  const headers = new Headers({
    "Content-Type": "application/json",
    "User-Agent": "Upstash-QStash",
    "Upstash-Signature": await signPayload({ key, url, body }),
    "Upstash-Message-Id": options.callback ? `msg_cb_${messageId}` : messageId,
    "Upstash-Retried": String(options.retried ?? 0),
    [MAX_RETRIES_HEADER]: String(options.maxRetries ?? 3),
    ...options.headers,
  });
  if (options.scheduleId) headers.set("Upstash-Schedule-Id", options.scheduleId);
  return new Request(options.requestUrl ?? url, { method: "POST", headers, body });
}

const encoder = new TextEncoder();

function callbackBody(payload: unknown, messageId: string, url: string, options: SignedRequestOptions) {
  const outcome = options.callback!;
  const response =
    outcome.hook === "success"
      ? outcome.result === undefined
        ? ""
        : JSON.stringify(outcome.result)
      : typeof outcome.body === "string"
        ? outcome.body
        : JSON.stringify(outcome.body ?? "");
  return {
    status: outcome.hook === "success" ? 200 : outcome.status,
    header: { "Content-Type": ["application/json"] },
    body: toBase64(encoder.encode(response)),
    retried:
      outcome.hook === "failure" ? (outcome.retried ?? options.maxRetries ?? 3) : (options.retried ?? 0),
    maxRetries: options.maxRetries ?? 3,
    sourceMessageId: messageId,
    url: url.replace(/&hook=(success|failure)$/, ""),
    method: "POST",
    sourceHeader: { "Content-Type": ["application/json"] },
    sourceBody: toBase64(encoder.encode(JSON.stringify(payload))),
    notBefore: 0,
    createdAt: Date.now(),
    callerIP: "127.0.0.1",
    ...(outcome.hook === "failure" ? { dlqId: outcome.dlqId ?? `dlq_${messageId}` } : {}),
  };
}
