import { DEFAULT_RETRIES, HEADERS, MAX_WAIT_SECONDS, parseRetryAfter } from "@switchboard/wire";
import { newId } from "../store/ids";
import type { DevEvent, DlqEntry, StoredMessage } from "../store/model";
import { newStoredMessage } from "../store/new-stored-message";
import type { StateStore } from "../store/state-store";
import { callbackPayload, type DeliveryResult } from "./callback-payload";
import { deliveryHeaders } from "./delivery-headers";
import { describeFailure, describeUnreachable } from "./describe-failure";
import { answerHeader, type DestinationAnswer, DestinationClient } from "./destination-client";
import { DueTimeline } from "./due-timeline";
import { EventLog } from "./event-log";
import { FlowControl } from "./flow-control";
import { Gate } from "./gate";
import type { OutgoingHeaders } from "./outgoing-headers";
import type { Reporter } from "./reporter";
import { compileRetryDelay } from "./retry-delay";

/** What the engine needs from the server. */
export interface DeliveryEngineOptions {
  store: StateStore;
  signingKey: string;
  /** Every wait (delay, backoff, Retry-After) is divided by this. */
  speed: number;
  reporter: Reporter;
  /** A protocol layered on QStash (Upstash Workflow) that shapes some deliveries. */
  hooks?: DeliveryHooks | undefined;
  /**
   * Deliveries on the wire at once, across all destinations; the rest wait in due order. Queue
   * and flow-control limits apply before this one. @default 128
   */
  maxInFlight?: number | undefined;
}

/** How a message settled, as {@link DeliveryHooks.settled} hears it. */
export type Settlement =
  | { outcome: "delivered" | "cancelled" }
  | { outcome: "retry"; status: number; error: string }
  | { outcome: "failed"; status: number; error: string; responseBody: Buffer; dlqId?: string | undefined };

/**
 * What a protocol layered on QStash may change about deliveries: the body and headers of a
 * delivery, what a callback carries, and whether a failed message still reports to its callback.
 */
export interface DeliveryHooks {
  /** The body to deliver instead of the stored one, or `undefined` to deliver it unchanged. */
  body(message: StoredMessage): Buffer<ArrayBuffer> | undefined;
  /** Adds headers to a delivery (after the message's own, before the signature). */
  headers(message: StoredMessage, headers: OutgoingHeaders): void;
  /** Whether a message that failed for good reports to its success callback instead of the DLQ. */
  failureToCallback(message: StoredMessage): boolean;
  /** Extra headers, body fields and workflow record for a callback delivery of `source`. */
  callback(
    source: StoredMessage,
    kind: "success" | "failure",
  ):
    | { header: Record<string, string[]>; fields: Record<string, unknown>; workflow: Record<string, string> }
    | undefined;
  /** Told after each attempt's outcome and on cancel. */
  settled(message: StoredMessage, settlement: Settlement): void;
}

/**
 * A due message waiting for the wire: a plain record, not a suspended async call, since thousands
 * may wait. `settled` is told when its attempt has finished (flow control counts until then).
 */
interface WireTicket {
  message: StoredMessage;
  settled?: (() => void) | undefined;
}

const MAX_EVENTS = 10_000;
const DEFAULT_TIMEOUT_SECONDS = 15 * 60;
const RESPONSE_LIMIT = 256 * 1024;
const DEFAULT_MAX_IN_FLIGHT = 128;
const NO_BODY = Buffer.alloc(0);

/**
 * Delivers messages the way QStash does: signed requests at their due time, through queue and
 * flow-control gates, retried with QStash's backoff or the message's `Upstash-Retry-Delay`,
 * honouring `Retry-After`, sending 489 + `Upstash-NonRetryable-Error` and exhausted messages to
 * the DLQ, and firing callbacks and failure callbacks as signed deliveries of their own.
 */
export class DeliveryEngine {
  /** Flow-control keys: limits, pause and pins (`/v2/flowControl/{key}`). */
  readonly flowControl: FlowControl;
  /** Messages waiting for their due time (a delay, a backoff, a not-before). */
  private readonly timeline = new DueTimeline<StoredMessage>((message) => this.due(message));
  /**
   * Caps deliveries on the wire: thousands due at once open at most this many connections and
   * the rest wait their turn, in due order, instead of a socket each.
   */
  private readonly wire: Gate<WireTicket>;
  private readonly client: DestinationClient;
  private readonly queueGates = new Map<string, Gate<StoredMessage>>();
  /**
   * Queue slots held by message id. As in QStash, a queued message keeps its slot through its
   * retries and until its callback or failure callback has finished, so the next message waits.
   */
  private readonly queueSlots = new Map<string, () => void>();
  private readonly log = new EventLog(MAX_EVENTS);
  private closed = false;

  constructor(private readonly options: DeliveryEngineOptions) {
    this.flowControl = new FlowControl(
      options.speed,
      (message) => new Promise<void>((settled) => this.wire.enter({ message, settled })),
    );
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.wire = new Gate<WireTicket>({ parallelism: maxInFlight }, (ticket) => void this.onTheWire(ticket));
    this.client = new DestinationClient(maxInFlight, RESPONSE_LIMIT);
  }

  /** Resumes every stored message after a restart. */
  resume(): void {
    const messages = [...this.options.store.state.messages.values()];
    // Re-enter queues in publish order, so FIFO holds across a restart.
    messages.sort((a, b) => a.createdAt - b.createdAt);
    for (const message of messages) this.arm(message);
  }

  /** Stores a newly accepted message and arms its delivery. */
  accept(message: StoredMessage): void {
    this.options.store.put("messages", message.messageId, message);
    this.event(message, "CREATED");
    this.arm(message);
  }

  /** Cancels a message that has not been delivered yet. */
  cancel(messageId: string): boolean {
    const message = this.options.store.state.messages.get(messageId);
    if (!message) return false;
    this.timeline.remove(messageId);
    this.client.abort(messageId);
    for (const gate of this.queueGates.values()) gate.remove((m) => m.messageId === messageId);
    this.flowControl.remove(messageId);
    this.releaseSlot(messageId);
    this.options.store.delete("messages", messageId);
    this.event(message, "CANCELED");
    this.options.hooks?.settled(message, { outcome: "cancelled" });
    return true;
  }

  /** The gate of a queue, so queue settings (parallelism, pause) apply at once. */
  queueGate(name: string): Gate<StoredMessage> {
    let gate = this.queueGates.get(name);
    if (!gate) {
      const queue = this.options.store.state.queues.get(name);
      const held = new Gate<StoredMessage>(
        { parallelism: queue?.parallelism ?? 1, paused: queue?.paused },
        (m) => {
          let released = false;
          this.queueSlots.set(m.messageId, () => {
            if (released) return;
            released = true;
            held.leave();
          });
          this.deliver(m);
        },
      );
      gate = held;
      this.queueGates.set(name, gate);
    }
    return gate;
  }

  /** The last {@link MAX_EVENTS} events, oldest first, as records made on each read. */
  get events(): DevEvent[] {
    return this.log.list();
  }

  /** The number of the last event (changes with every event), without making the records. */
  get lastEventSeq(): number | undefined {
    return this.log.lastSeq;
  }

  /** Deliveries in flight right now. */
  get activeCount(): number {
    return this.client.inflight;
  }

  close(): void {
    this.closed = true;
    this.timeline.close();
    for (const gate of this.queueGates.values()) gate.close();
    this.flowControl.close();
    this.wire.close();
    this.client.close();
  }

  private arm(message: StoredMessage): void {
    if (this.closed) return;
    this.timeline.add(message.messageId, message.notBefore, message);
  }

  private due(message: StoredMessage): void {
    // A retry, or a callback that inherited its source's slot, already holds its queue slot.
    if (message.queueName && !this.queueSlots.has(message.messageId))
      this.queueGate(message.queueName).enter(message);
    else this.deliver(message);
  }

  /** Sends a due message on its way: through its flow-control key, or at once. */
  private deliver(message: StoredMessage): void {
    const { flowControlKey } = message;
    if (flowControlKey) this.flowControl.enter({ ...message, flowControlKey });
    else this.wire.enter({ message });
  }

  /**
   * Runs one delivery attempt in a wire slot and never rejects: a fault inside the server (a disk
   * error, a stored record an older version accepted) dead-letters the message with the error and
   * logs it, and frees its queue slot, instead of becoming an unhandled rejection that stops the
   * process. Then the slot is freed and flow control told. One async frame per attempt, no
   * `.catch`/`.finally` chain.
   */
  private async onTheWire({ message, settled }: WireTicket): Promise<void> {
    try {
      await this.attempt(message);
    } catch (cause) {
      this.faulted(message, cause);
    } finally {
      this.wire.leave();
      settled?.();
    }
  }

  /** Dead-letters `message` after a fault inside the server (see {@link onTheWire}). */
  private faulted(message: StoredMessage, cause: unknown): void {
    const error = `dev server error: ${cause instanceof Error ? cause.message : String(cause)}`;
    try {
      const { store } = this.options;
      if (this.closed || !store.state.messages.has(message.messageId)) return;
      const dlqId = newId("dlq");
      store.delete("messages", message.messageId);
      store.put("dlq", dlqId, {
        ...message,
        dlqId,
        responseStatus: 0,
        responseHeader: {},
        responseBody: "",
        failedAt: Date.now(),
      });
      this.event(message, "FAILED", undefined, error);
      this.options.reporter.report({
        type: "dead-letter",
        messageId: message.messageId,
        url: message.url,
        status: 0,
        attempt: message.retried + 1,
        ms: 0,
        callbackOf: message.callbackOf,
        dlqId,
        error,
      });
    } catch (secondary) {
      // Even the failure could not be recorded (the disk is gone): say so, keep serving.
      console.error(`switchboard dev: ${error}; then: ${String(secondary)}`);
    } finally {
      this.releaseSlot(message.messageId);
    }
  }

  private releaseSlot(messageId: string): void {
    const release = this.queueSlots.get(messageId);
    this.queueSlots.delete(messageId);
    release?.();
  }

  /** Hands a finished message's queue slot to its callback, or frees it. */
  private finish(messageId: string, callbackId: string | undefined): void {
    const release = this.queueSlots.get(messageId);
    this.queueSlots.delete(messageId);
    if (release && callbackId) this.queueSlots.set(callbackId, release);
    else release?.();
  }

  /** One delivery attempt: the signed request, then delivered, retried or dead-lettered. */
  private async attempt(message: StoredMessage): Promise<void> {
    const { store, hooks } = this.options;
    // Cancelled or stopped while it waited for the wire.
    if (this.closed || !store.state.messages.has(message.messageId)) return;
    const body = hooks?.body(message) ?? Buffer.from(message.body, "base64");
    const headers = await deliveryHeaders(message, body, this.options.signingKey);
    hooks?.headers(message, headers);
    // Cancelled or stopped while it was being signed.
    if (this.closed || !store.state.messages.has(message.messageId)) return;
    const timeoutSeconds = message.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const started = Date.now();
    this.event(message, "ACTIVE");
    let answer: DestinationAnswer | undefined;
    let error: string | undefined;
    try {
      answer = await this.client.send({
        url: message.url,
        method: message.method,
        headers,
        body: message.method === "GET" || message.method === "HEAD" ? undefined : body,
        timeoutMs: timeoutSeconds * 1000,
        key: message.messageId, // cancel() aborts it
      });
      if (answer.status < 200 || answer.status >= 300)
        error = describeFailure({
          status: answer.status,
          body: answer.body,
          url: message.url,
          method: message.method,
        });
    } catch (cause) {
      error =
        (cause as { code?: unknown } | undefined)?.code === "DELIVERY_TIMEOUT"
          ? `timed out after ${timeoutSeconds}s`
          : describeUnreachable(cause, message.url);
    }
    // Cancelled (which aborts the request) or stopped while it was on the wire.
    if (this.closed || !store.state.messages.has(message.messageId)) return;
    const ms = Date.now() - started;
    const attempt = message.retried + 1;
    const status = answer?.status ?? 0;
    const responseBody = answer?.body ?? NO_BODY;
    // Only a failed attempt looks at the answer's headers; most answers are never asked.
    let nonRetryable = false;
    let retryAfter: number | undefined;
    if (error !== undefined && answer) {
      const { headers: answered } = answer;
      nonRetryable = status === 489 && answerHeader(answered, "upstash-nonretryable-error") === "true";
      retryAfter =
        parseRetryAfter(answerHeader(answered, HEADERS.retryAfter)) ??
        parseRetryAfter(answerHeader(answered, "x-ratelimit-reset")) ??
        parseRetryAfter(answerHeader(answered, "x-ratelimit-reset-requests")) ??
        parseRetryAfter(answerHeader(answered, "x-ratelimit-reset-tokens"));
    }
    const reportsToCallback =
      error !== undefined &&
      (nonRetryable || message.retried >= message.retries) &&
      this.options.hooks?.failureToCallback(message) === true;
    if (error === undefined || reportsToCallback) {
      this.options.store.delete("messages", message.messageId);
      this.event(message, "DELIVERED", status);
      this.options.reporter.report({
        type: "delivered",
        messageId: message.messageId,
        url: message.url,
        status,
        attempt,
        ms,
        callbackOf: message.callbackOf,
      });
      this.options.hooks?.settled(message, { outcome: "delivered" });
      this.finish(
        message.messageId,
        message.callback
          ? this.spawnCallback(message, "success", deliveryResult(status, answer, responseBody))
          : undefined,
      );
    } else if (!nonRetryable && message.retried < message.retries) {
      const waitSeconds = Math.min(MAX_WAIT_SECONDS, retryAfter ?? this.backoffSeconds(message));
      const nextInMs = (waitSeconds * 1000) / this.options.speed;
      const next: StoredMessage = {
        ...message,
        retried: message.retried + 1,
        notBefore: Date.now() + nextInMs,
      };
      this.options.store.put("messages", next.messageId, next);
      this.event(message, "ERROR", status, error);
      this.event(message, "RETRY", status, error, next.notBefore);
      this.options.reporter.report({
        type: "retry",
        messageId: message.messageId,
        url: message.url,
        status,
        attempt,
        ms,
        callbackOf: message.callbackOf,
        nextInMs,
        error,
      });
      this.options.hooks?.settled(message, { outcome: "retry", status, error });
      this.arm(next);
    } else {
      const dlqId = newId("dlq");
      const entry: DlqEntry = {
        ...message,
        dlqId,
        responseStatus: status,
        responseHeader: answer?.headers ?? {},
        responseBody: responseBody.toString("utf8"),
        failedAt: Date.now(),
      };
      this.options.store.delete("messages", message.messageId);
      // Callback deliveries that fail are not dead-lettered again with callbacks of their own.
      this.options.store.put("dlq", dlqId, entry);
      this.event(message, "FAILED", status, error);
      this.options.reporter.report({
        type: "dead-letter",
        messageId: message.messageId,
        url: message.url,
        status,
        attempt,
        ms,
        callbackOf: message.callbackOf,
        dlqId,
        error,
      });
      this.options.hooks?.settled(message, { outcome: "failed", status, error, responseBody, dlqId });
      this.finish(
        message.messageId,
        message.failureCallback
          ? this.spawnCallback(message, "failure", deliveryResult(status, answer, responseBody), dlqId)
          : undefined,
      );
    }
  }

  private backoffSeconds(message: StoredMessage): number {
    if (message.retryDelay) return compileRetryDelay(message.retryDelay)(message.retried) / 1000;
    return Math.exp(2.5 * (message.retried + 1));
  }

  private spawnCallback(
    source: StoredMessage,
    kind: "success" | "failure",
    result: DeliveryResult,
    dlqId?: string,
  ): string {
    const url = kind === "success" ? source.callback! : source.failureCallback!;
    const options = (kind === "success" ? source.callbackOptions : source.failureCallbackOptions) ?? {};
    const extra = this.options.hooks?.callback(source, kind);
    const payload = { ...callbackPayload(source, result, dlqId), ...extra?.fields };
    const message = newStoredMessage(
      {
        method: options.method ?? "POST",
        header: { "Content-Type": ["application/json"], ...extra?.header },
        retries: options.retries ?? DEFAULT_RETRIES,
        timeoutSeconds: options.timeoutSeconds,
      },
      {
        url,
        body: Buffer.from(JSON.stringify(payload)).toString("base64"),
        callerIp: source.callerIp,
        notBefore: Date.now() + ((options.delaySeconds ?? 0) * 1000) / this.options.speed,
        createdAt: Date.now(),
        workflow: extra?.workflow,
        callbackOf: { sourceMessageId: source.messageId, kind },
      },
    );
    this.accept(message);
    return message.messageId;
  }

  private event(
    message: StoredMessage,
    state: DevEvent["state"],
    responseStatus?: number,
    error?: string,
    nextDeliveryTime?: number,
  ): void {
    this.log.add(message, state, Date.now(), responseStatus, error, nextDeliveryTime);
  }
}

/** What an attempt got back, as its callback reports it (the answer's headers built only now). */
function deliveryResult(
  status: number,
  answer: DestinationAnswer | undefined,
  responseBody: Buffer,
): DeliveryResult {
  return { status, responseHeader: answer?.headers ?? {}, responseBody };
}
