/** What every handler gets besides its payload. */
export interface DeliveryContext {
  /** QStash's message id (the same across retries). */
  messageId: string;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  /** How many times this message was retried before this delivery (0 on the first). */
  retried: number;
  /** The retry budget: deliveries = 1 + maxRetries. */
  maxRetries: number;
  /** `true` when failing now sends the message to the dead-letter queue. */
  isLastAttempt: boolean;
  /** Set when the delivery comes from a schedule. */
  scheduleId: string | undefined;
  /** Aborted when the client (QStash) disconnects. */
  signal: AbortSignal;
  /** The delivery's request headers, including your forwarded `headers`. */
  headers: Headers;
}

/** The context of a job handler. */
export interface JobContext extends DeliveryContext {
  /** The job's name. */
  job: string;
}

/**
 * The context of a channel subscriber. In a channel's own `onSuccess`/`onFailure`, `subscriber` is
 * the union of the channel's subscriber names.
 */
export interface SubscriberContext<TSubscriber extends string = string> extends DeliveryContext {
  /** The channel's name. */
  channel: string;
  /** This subscriber's name. */
  subscriber: TSubscriber;
}

/** Why a message failed for good, as reported by QStash's failure callback. */
export interface DeliveryFailure {
  /** The HTTP status of the last attempt (489 for `NonRetriableError`, 500 for a throw, …). */
  status: number;
  /** The error message the route answered with, when it had one. */
  message: string;
  /** The raw response body of the last attempt. */
  body: string;
  /** Retries made before QStash gave up. */
  retried: number;
  /** The retry budget of the message. */
  maxRetries: number;
  /** The dead-letter queue entry, for `client.dlq` retry or delete. */
  dlqId: string | undefined;
}

/** What an `onSuccess` hook receives. */
export interface SuccessHookArgs<TPayload, TResult, TContext> {
  payload: TPayload;
  /** The handler's return value, as JSON round-tripped through QStash. */
  result: TResult;
  /** The id of the message that succeeded. */
  messageId: string;
  ctx: TContext;
}

/** What an `onFailure` hook receives. */
export interface FailureHookArgs<TPayload, TContext> {
  payload: TPayload;
  error: DeliveryFailure;
  /** The id of the message that failed. */
  messageId: string;
  ctx: TContext;
}
