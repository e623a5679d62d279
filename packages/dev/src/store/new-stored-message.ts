import { newId } from "./ids";
import type { StoredMessage } from "./model";

/**
 * How a message is delivered: what a publish's headers set, what a schedule keeps for each message
 * it creates, and what a callback inherits from its options.
 */
export type MessageSettings = Pick<
  StoredMessage,
  | "method"
  | "header"
  | "retries"
  | "retryDelay"
  | "timeoutSeconds"
  | "callback"
  | "failureCallback"
  | "callbackOptions"
  | "failureCallbackOptions"
  | "label"
  | "flowControlKey"
  | "parallelism"
  | "rate"
  | "periodSeconds"
  | "redact"
>;

/** Where and when one new message goes, and what made it. */
export interface NewMessage {
  url: string;
  /** The raw body, base64. */
  body: string;
  callerIp: string;
  /** Unix ms of the first delivery, already divided by the speed. */
  notBefore: number;
  createdAt: number;
  queueName?: string | undefined;
  topicName?: string | undefined;
  endpointName?: string | undefined;
  scheduleId?: string | undefined;
  workflow?: Record<string, string> | undefined;
  callbackOf?: StoredMessage["callbackOf"];
}

/**
 * Copies exactly the {@link MessageSettings} out of something that has them (parsed publish
 * headers, a stored schedule), so nothing else it carries leaks into a stored record.
 *
 * @example
 * ```ts
 * const schedule = { scheduleId, cron, destination, ...messageSettings(options), … };
 * ```
 */
export function messageSettings(from: MessageSettings): MessageSettings {
  return {
    method: from.method,
    header: from.header,
    retries: from.retries,
    retryDelay: from.retryDelay,
    timeoutSeconds: from.timeoutSeconds,
    callback: from.callback,
    failureCallback: from.failureCallback,
    callbackOptions: from.callbackOptions,
    failureCallbackOptions: from.failureCallbackOptions,
    label: from.label,
    flowControlKey: from.flowControlKey,
    parallelism: from.parallelism,
    rate: from.rate,
    periodSeconds: from.periodSeconds,
    redact: from.redact,
  };
}

/**
 * The one way a message is made, whether a publish, a schedule firing or a callback creates it: a
 * fresh `msg_` id, not yet retried.
 *
 * @example
 * ```ts
 * const message = newStoredMessage(options, { url, body, callerIp, notBefore: now, createdAt: now });
 * engine.accept(message);
 * ```
 */
export function newStoredMessage(settings: MessageSettings, message: NewMessage): StoredMessage {
  // One literal with every field (not a spread of messageSettings): every stored message then has
  // the same shape, made without an intermediate object.
  return {
    messageId: newId("msg"),
    url: message.url,
    method: settings.method,
    header: settings.header,
    retries: settings.retries,
    retryDelay: settings.retryDelay,
    timeoutSeconds: settings.timeoutSeconds,
    callback: settings.callback,
    failureCallback: settings.failureCallback,
    callbackOptions: settings.callbackOptions,
    failureCallbackOptions: settings.failureCallbackOptions,
    label: settings.label,
    flowControlKey: settings.flowControlKey,
    parallelism: settings.parallelism,
    rate: settings.rate,
    periodSeconds: settings.periodSeconds,
    redact: settings.redact,
    body: message.body,
    retried: 0,
    notBefore: message.notBefore,
    createdAt: message.createdAt,
    queueName: message.queueName,
    topicName: message.topicName,
    endpointName: message.endpointName,
    scheduleId: message.scheduleId,
    callerIp: message.callerIp,
    workflow: message.workflow,
    callbackOf: message.callbackOf,
  };
}
