import { DEDUP_WINDOW_MS } from "./defaults";
import { newId } from "./delivery-engine";
import type { DevContext } from "./dev-context";
import { DevServerError } from "./dev-server-error";
import {
  checkDestination,
  contentHash,
  type HeaderLookup,
  headerLookup,
  type MessageOptions,
  parseMessageOptions,
} from "./message-options";
import type { StoredMessage } from "./model";

/** QStash's answer for one published message. */
export interface PublishAnswer {
  messageId: string;
  url: string;
  deduplicated?: boolean;
}

/**
 * Accepts a publish to a URL or a URL group, as `POST /v2/publish/{destination}` and
 * `POST /v2/enqueue/{queue}/{destination}` do. Returns one answer per created message; a URL
 * group returns an array. The caller flushes the store before answering.
 */
export function publish(
  ctx: DevContext,
  destination: string,
  headers: HeaderLookup,
  body: Buffer,
  callerIp: string,
  queueName?: string,
  parsed?: MessageOptions,
): { answer: PublishAnswer | PublishAnswer[]; deduplicated: boolean } {
  const options = parsed ?? parseMessageOptions(headers);
  const queue = queueName ?? options.queueName;
  if (queue) ensureQueue(ctx, queue);
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(destination);
  const targets = isUrl
    ? [{ url: checkDestination(destination), name: undefined }]
    : topicEndpoints(ctx, destination);
  const answers = targets.map((target): PublishAnswer => {
    const dedupKey = options.deduplicationId
      ? `id:${options.deduplicationId}:${isUrl ? "" : target.url}`
      : options.contentBasedDeduplication
        ? `content:${contentHash(target.url, body, options.header)}`
        : undefined;
    const now = Date.now();
    const seen = dedupKey ? ctx.store.state.dedup.get(dedupKey) : undefined;
    if (seen && seen.expires > now) return { messageId: seen.messageId, url: target.url, deduplicated: true };
    const dueIn =
      options.notBeforeSeconds !== undefined
        ? Math.max(0, options.notBeforeSeconds * 1000 - now)
        : options.delaySeconds * 1000;
    const message: StoredMessage = {
      messageId: newId("msg"),
      url: target.url,
      method: options.method,
      header: options.header,
      body: body.toString("base64"),
      retries: options.retries,
      retried: 0,
      retryDelay: options.retryDelay,
      timeoutSeconds: options.timeoutSeconds,
      notBefore: now + dueIn / ctx.speed,
      createdAt: now,
      callback: options.callback,
      failureCallback: options.failureCallback,
      callbackOptions: options.callbackOptions,
      failureCallbackOptions: options.failureCallbackOptions,
      queueName: queue,
      topicName: isUrl ? undefined : destination,
      endpointName: target.name,
      label: options.label,
      flowControlKey: options.flowControlKey,
      parallelism: options.parallelism,
      rate: options.rate,
      periodSeconds: options.periodSeconds,
      callerIp,
    };
    ctx.engine.accept(message);
    ctx.reporter.report({
      type: "queued",
      messageId: message.messageId,
      url: message.url,
      inMs: dueIn / ctx.speed,
      queueName: queue,
      urlGroup: message.topicName,
    });
    if (dedupKey)
      ctx.store.put("dedup", dedupKey, { messageId: message.messageId, expires: now + DEDUP_WINDOW_MS });
    return { messageId: message.messageId, url: target.url };
  });
  pruneDedup(ctx);
  const deduplicated = answers.length > 0 && answers.every((a) => a.deduplicated);
  return { answer: isUrl ? answers[0]! : answers, deduplicated };
}

/** `POST /v2/batch`: `[{ destination, headers?, body?, queue? }]` → an answer per item. */
export function publishBatch(
  ctx: DevContext,
  items: unknown,
  callerIp: string,
): (PublishAnswer | PublishAnswer[])[] {
  if (!Array.isArray(items))
    throw new DevServerError(400, "batch: the body must be a JSON array of { destination, headers, body }.");
  // Check every item before accepting any, so a bad item never leaves half a batch published.
  type Item = { destination?: unknown; headers?: Record<string, string>; body?: string; queue?: string };
  const checked = (items as Item[]).map((item, index) => {
    if (typeof item?.destination !== "string" || item.destination === "") {
      throw new DevServerError(400, `batch item ${index}: "destination" must be a URL or URL group name.`);
    }
    const headers = headerLookup(item.headers ?? {});
    return { item, destination: item.destination, headers, options: parseMessageOptions(headers) };
  });
  return checked.map(({ item, destination, headers, options }) => {
    const body = Buffer.from(item.body ?? "", "utf8");
    return publish(ctx, destination, headers, body, callerIp, item.queue, options).answer;
  });
}

function ensureQueue(ctx: DevContext, name: string): void {
  if (ctx.store.state.queues.has(name)) return;
  ctx.store.put("queues", name, { name, parallelism: 1, paused: false, createdAt: Date.now() });
}

function topicEndpoints(ctx: DevContext, name: string) {
  const topic = ctx.store.state.topics.get(name);
  if (!topic) {
    if (/^[\w.-]+(:\d+)?\//.test(name) || /^[\w-]+\.[\w.-]+$/.test(name)) {
      throw new DevServerError(
        400,
        `invalid destination url: "${name}" has no scheme; publish to http://${name} or https://${name}.`,
      );
    }
    throw new DevServerError(
      404,
      `"${name}" is neither a URL (http:// or https://) nor an existing URL group. Create the group with POST /v2/topics/${name}/endpoints first.`,
    );
  }
  if (topic.endpoints.length === 0) throw new DevServerError(400, `URL group "${name}" has no endpoints.`);
  return topic.endpoints;
}

function pruneDedup(ctx: DevContext): void {
  if (ctx.store.state.dedup.size < 10_000) return;
  const now = Date.now();
  for (const [key, entry] of ctx.store.state.dedup) if (entry.expires <= now) ctx.store.delete("dedup", key);
}
