import type { RedactFields } from "../api/redact-fields";

/** A message QStash has accepted and not yet finished with. Times are unix milliseconds. */
export interface StoredMessage {
  messageId: string;
  /** The destination URL exactly as published (the JWT `sub`). */
  url: string;
  method: string;
  /** Headers delivered to the destination (forwarded headers and Content-Type). */
  header: Record<string, string[]>;
  /** The raw body, base64. */
  body: string;
  retries: number;
  retried: number;
  retryDelay?: string | undefined;
  timeoutSeconds?: number | undefined;
  notBefore: number;
  createdAt: number;
  callback?: string | undefined;
  failureCallback?: string | undefined;
  callbackOptions?: CallbackOptions | undefined;
  failureCallbackOptions?: CallbackOptions | undefined;
  queueName?: string | undefined;
  topicName?: string | undefined;
  endpointName?: string | undefined;
  scheduleId?: string | undefined;
  label?: string | undefined;
  flowControlKey?: string | undefined;
  parallelism?: number | undefined;
  rate?: number | undefined;
  periodSeconds?: number | undefined;
  callerIp: string;
  /** `Upstash-Redact-Fields`: what API answers hide (deliveries carry the originals). */
  redact?: RedactFields | undefined;
  /** Set on callback deliveries: which message and outcome the callback reports. */
  callbackOf?: { sourceMessageId: string; kind: "success" | "failure" } | undefined;
  /**
   * Set on messages of an Upstash Workflow run: the `upstash-*` headers (names lower-case) it was
   * published with, which say its run, its kind and what its callbacks carry.
   */
  workflow?: Record<string, string> | undefined;
}

/** Options QStash takes for a callback delivery (`Upstash-Callback-Retries`, …). */
export interface CallbackOptions {
  retries?: number | undefined;
  timeoutSeconds?: number | undefined;
  delaySeconds?: number | undefined;
  method?: string | undefined;
}

/** A message that failed for good. */
export interface DlqEntry extends StoredMessage {
  dlqId: string;
  responseStatus: number;
  responseHeader: Record<string, string[]>;
  responseBody: string;
  failedAt: number;
}

/** A cron schedule. */
export interface StoredSchedule {
  scheduleId: string;
  cron: string;
  destination: string;
  method: string;
  header: Record<string, string[]>;
  body: string;
  retries: number;
  delaySeconds?: number | undefined;
  retryDelay?: string | undefined;
  timeoutSeconds?: number | undefined;
  callback?: string | undefined;
  failureCallback?: string | undefined;
  callbackOptions?: CallbackOptions | undefined;
  failureCallbackOptions?: CallbackOptions | undefined;
  queueName?: string | undefined;
  label?: string | undefined;
  flowControlKey?: string | undefined;
  parallelism?: number | undefined;
  rate?: number | undefined;
  periodSeconds?: number | undefined;
  isPaused: boolean;
  createdAt: number;
  lastScheduleTime?: number | undefined;
  callerIp: string;
  /** `Upstash-Redact-Fields`, applied to the schedule's answers and to every message it creates. */
  redact?: RedactFields | undefined;
}

/** A named queue. */
export interface StoredQueue {
  name: string;
  parallelism: number;
  paused: boolean;
  createdAt: number;
  updatedAt?: number | undefined;
}

/** A URL group (QStash's "topic"). */
export interface StoredTopic {
  name: string;
  endpoints: { name?: string | undefined; url: string }[];
  createdAt: number;
  updatedAt?: number | undefined;
}

/** One line of the event log (`GET /v2/events`). */
export interface DevEvent {
  /** Order of the event in this run; the events cursor. */
  seq: number;
  time: number;
  messageId: string;
  state: "CREATED" | "ACTIVE" | "DELIVERED" | "ERROR" | "RETRY" | "FAILED" | "CANCELED";
  url: string;
  topicName?: string | undefined;
  endpointName?: string | undefined;
  queueName?: string | undefined;
  scheduleId?: string | undefined;
  label?: string | undefined;
  flowControlKey?: string | undefined;
  callerIp?: string | undefined;
  /** The message's headers and base64 body (shared with the message, not copied). */
  header?: Record<string, string[]> | undefined;
  body?: string | undefined;
  redact?: RedactFields | undefined;
  responseStatus?: number | undefined;
  error?: string | undefined;
  nextDeliveryTime?: number | undefined;
}

/** Everything the server keeps, as one serialisable record. */
export interface DevState {
  messages: Map<string, StoredMessage>;
  dlq: Map<string, DlqEntry>;
  schedules: Map<string, StoredSchedule>;
  queues: Map<string, StoredQueue>;
  topics: Map<string, StoredTopic>;
  /** Deduplication keys seen within the window, with the message they produced. */
  dedup: Map<string, DedupEntry>;
}

/** A remembered deduplication id or content hash. */
export interface DedupEntry {
  messageId: string;
  /** Unix ms after which the key may be published again. */
  expires: number;
}
