import { labelList } from "../api/api-message";
import { redactBody } from "../api/redact-fields";
import type { DevEvent, DlqEntry, StoredMessage } from "../store/model";
import { type FailureReason, failureReason } from "./failure-reason";
import { type RouteTarget, routeTarget } from "./route-target";

/** Where a message is in its life, as the dashboard names it. */
export type MessageState = "pending" | "delivering" | "retrying" | "delivered" | "failed" | "cancelled";

/** One HTTP try of a message. `status` 0 means no answer (refused, timed out). */
export interface AttemptView {
  number: number;
  startedAt: number;
  /** Absent while the attempt is in flight. */
  status?: number;
  ms?: number;
  ok?: boolean;
  reason?: FailureReason;
}

/** A message with what it means: its target, payload, state and every attempt. */
export interface MessageView {
  messageId: string;
  url: string;
  target: RouteTarget;
  state: MessageState;
  createdAt: number;
  /** The body as text (fields named in `Upstash-Redact-Fields` hidden, as the API hides them). */
  payload: string;
  labels: string[];
  queueName?: string;
  scheduleId?: string;
  flowControlKey?: string;
  attempts: AttemptView[];
  /** When it is due next: its first delivery or its next retry. */
  nextAt?: number;
  /** Set once it is in the dead-letter queue. */
  dlqId?: string;
}

/** A dead letter with why it died. */
export interface DeadLetterView extends MessageView {
  dlqId: string;
  failedAt: number;
  responseStatus: number;
  reason: FailureReason;
}

/** What {@link messageViews} reads: the event log and the stored messages and DLQ. */
export interface MessageSources {
  events: readonly DevEvent[];
  messages: ReadonlyMap<string, StoredMessage>;
  dlq: ReadonlyMap<string, DlqEntry>;
}

/**
 * Builds the dashboard's message list, newest first, from the engine's event log (one event per
 * transition: created, active, delivered, error, retry, failed, cancelled) and what is stored now
 * (pending messages, restored ones with no events this run, and the DLQ). An attempt runs from an
 * `ACTIVE` event to the outcome after it, which gives its latency.
 *
 * @example
 * ```ts
 * const { messages, deadLetters } = messageViews({ events: engine.events, ...store.state });
 * ```
 */
export function messageViews(
  sources: MessageSources,
  limit = 500,
): { messages: MessageView[]; deadLetters: DeadLetterView[] } {
  const views = new Map<string, MessageView>();
  const failedBy = new Map<string, string | undefined>();
  for (const event of sources.events) {
    let view = views.get(event.messageId);
    if (!view) {
      view = fromEvent(event);
      views.set(event.messageId, view);
    }
    apply(view, event, failedBy);
  }
  for (const message of sources.messages.values()) {
    const view = views.get(message.messageId) ?? fromMessage(message);
    views.set(message.messageId, view);
    view.nextAt = message.notBefore;
  }
  const deadLetters: DeadLetterView[] = [];
  for (const entry of sources.dlq.values()) {
    const view = views.get(entry.messageId) ?? fromMessage(entry);
    views.set(entry.messageId, view);
    view.state = "failed";
    view.dlqId = entry.dlqId;
    const reason = failureReason(entry.responseBody, failedBy.get(entry.messageId), entry.responseStatus);
    const last = view.attempts.at(-1);
    if (last && !last.ok) last.reason = reason;
    deadLetters.push({
      ...view,
      dlqId: entry.dlqId,
      failedAt: entry.failedAt,
      responseStatus: entry.responseStatus,
      reason,
    });
  }
  const messages = [...views.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  deadLetters.sort((a, b) => b.failedAt - a.failedAt);
  return { messages, deadLetters };
}

function apply(view: MessageView, event: DevEvent, failedBy: Map<string, string | undefined>): void {
  const open = view.attempts.at(-1)?.status === undefined ? view.attempts.at(-1) : undefined;
  const settle = (ok: boolean) => {
    if (!open) return;
    open.status = event.responseStatus ?? 0;
    open.ms = event.time - open.startedAt;
    open.ok = ok;
    if (!ok) open.reason = failureReason(undefined, event.error, open.status);
  };
  switch (event.state) {
    case "ACTIVE":
      view.attempts.push({ number: view.attempts.length + 1, startedAt: event.time });
      view.state = "delivering";
      delete view.nextAt;
      return;
    case "DELIVERED":
      settle(true);
      view.state = "delivered";
      return;
    case "ERROR":
      settle(false);
      return;
    case "RETRY":
      view.state = "retrying";
      if (event.nextDeliveryTime !== undefined) view.nextAt = event.nextDeliveryTime;
      return;
    case "FAILED":
      settle(false);
      failedBy.set(view.messageId, event.error);
      view.state = "failed";
      return;
    case "CANCELED":
      view.state = "cancelled";
      delete view.nextAt;
      return;
    case "CREATED":
      return;
  }
}

function fromEvent(event: DevEvent): MessageView {
  return base({
    messageId: event.messageId,
    url: event.url,
    createdAt: event.time,
    body: event.body ?? "",
    redact: event.redact,
    label: event.label,
    queueName: event.queueName,
    scheduleId: event.scheduleId,
    flowControlKey: event.flowControlKey,
  });
}

function fromMessage(message: StoredMessage): MessageView {
  return base(message);
}

function base(
  m: Pick<
    StoredMessage,
    | "messageId"
    | "url"
    | "createdAt"
    | "body"
    | "redact"
    | "label"
    | "queueName"
    | "scheduleId"
    | "flowControlKey"
  >,
): MessageView {
  return {
    messageId: m.messageId,
    url: m.url,
    target: routeTarget(m.url),
    state: "pending",
    createdAt: m.createdAt,
    payload: redactBody(m.body, m.redact).toString("utf8"),
    labels: labelList(m.label),
    ...(m.queueName ? { queueName: m.queueName } : {}),
    ...(m.scheduleId ? { scheduleId: m.scheduleId } : {}),
    ...(m.flowControlKey ? { flowControlKey: m.flowControlKey } : {}),
    attempts: [],
  };
}
