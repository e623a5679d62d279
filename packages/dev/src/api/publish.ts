import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { newStoredMessage } from "../store/new-stored-message";
import { DEDUP_WINDOW_MS } from "../wire/defaults";
import { captureWorkflowHeaders } from "../workflow/workflow-headers";
import {
  checkDestination,
  contentHash,
  type HeaderLookup,
  headerLookup,
  type MessageOptions,
  parseMessageOptions,
} from "./message-options";

/** QStash's answer for one published message. */
export interface PublishAnswer {
  messageId: string;
  url: string;
  deduplicated?: boolean;
}

/**
 * Accepts a publish to a URL or a URL group, as `POST /v2/publish/{destination}` and
 * `POST /v2/enqueue/{queue}/{destination}` do. Returns one answer per created message; a URL
 * group returns an array.
 */
export function publish(
  ctx: DevContext,
  destination: string,
  headers: HeaderLookup,
  body: Buffer,
  callerIp: string,
  queueName?: string,
): { answer: PublishAnswer | PublishAnswer[]; deduplicated: boolean } {
  const options = parseMessageOptions(headers);
  const workflow = captureWorkflowHeaders(headers);
  return accept(ctx, prepare(ctx, destination, options, body, callerIp, queueName, workflow));
}

/** A publish that has passed every check and only needs storing: accepting it cannot fail. */
interface PreparedPublish {
  destination: string;
  isUrl: boolean;
  targets: { url: string; name?: string | undefined }[];
  options: MessageOptions;
  queue: string | undefined;
  body: Buffer;
  callerIp: string;
  /** The `upstash-*` headers of a workflow step, checked against its run. */
  workflow: Record<string, string> | undefined;
}

function prepare(
  ctx: DevContext,
  destination: string,
  options: MessageOptions,
  body: Buffer,
  callerIp: string,
  queueName: string | undefined,
  workflow: Record<string, string> | undefined,
): PreparedPublish {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(destination);
  const targets = isUrl
    ? [{ url: checkDestination(destination), name: undefined }]
    : topicEndpoints(ctx, destination);
  if (workflow) ctx.workflows.check(workflow);
  const queue = queueName ?? options.queueName;
  return { destination, isUrl, targets, options, queue, body, callerIp, workflow };
}

function accept(
  ctx: DevContext,
  { destination, isUrl, targets, options, queue, body, callerIp, workflow }: PreparedPublish,
): { answer: PublishAnswer | PublishAnswer[]; deduplicated: boolean } {
  if (queue) ensureQueue(ctx, queue);
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
    const message = newStoredMessage(options, {
      url: target.url,
      body: body.toString("base64"),
      callerIp,
      notBefore: now + dueIn / ctx.speed,
      createdAt: now,
      queueName: queue,
      topicName: isUrl ? undefined : destination,
      endpointName: target.name,
      workflow,
    });
    // A trigger for a run that is already going answers with its first message, as a dedup does.
    const runMessageId = workflow ? ctx.workflows.accept(message) : undefined;
    if (runMessageId) return { messageId: runMessageId, url: target.url, deduplicated: true };
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

/**
 * `POST /v2/batch`: `[{ destination, headers?, body?, queue? }]` → an answer per item. The batch is
 * atomic: every item is checked (shape, headers, destination, URL group) before any is accepted,
 * so a bad item is a 400 naming its index and field and nothing was published; a client that
 * retries the batch never duplicates its first items.
 */
export function publishBatch(
  ctx: DevContext,
  items: unknown,
  callerIp: string,
): (PublishAnswer | PublishAnswer[])[] {
  if (!Array.isArray(items))
    throw new DevServerError(400, "batch: the body must be a JSON array of { destination, headers, body }.");
  // One instant for the whole batch, and one parse of headers that repeat from item to item.
  const parsed = new ParsedHeaders(Date.now());
  const prepared = items.map((item: unknown, index) => {
    try {
      return prepareItem(ctx, item, callerIp, parsed);
    } catch (error) {
      if (!(error instanceof DevServerError)) throw error;
      throw new DevServerError(
        error.status === 404 ? 400 : error.status,
        `batch item ${index}: ${error.message}`,
      );
    }
  });
  return prepared.map((item) => accept(ctx, item).answer);
}

/**
 * The options of the last batch item's headers. Items of a batch mostly carry the same headers
 * (every message of a fan-out does), so an item whose headers are the previous item's, same names
 * in the same order with the same values, takes its parsed options as they are: parsing them is
 * a pure function of the headers (and the batch's instant), and messages sharing option objects
 * is what a publish to a URL group does already. Workflow messages are always parsed afresh.
 */
class ParsedHeaders {
  private names: string[] = [];
  private record: Record<string, unknown> | undefined;
  private options: MessageOptions | undefined;

  constructor(private readonly now: number) {}

  /**
   * Checks that every value of `headers` is a string, and says whether they are the previous
   * item's headers (same names in the same order, same values), whose options can be reused.
   */
  check(headers: Record<string, unknown>): boolean {
    const names = Object.keys(headers);
    let same = this.options !== undefined && names.length === this.names.length;
    for (let at = 0; at < names.length; at++) {
      const name = names[at]!;
      const value = headers[name];
      if (typeof value !== "string") throw new DevServerError(400, `"headers.${name}" must be a string.`);
      if (same && (this.names[at] !== name || this.record![name] !== value)) same = false;
    }
    return same;
  }

  /** The options and workflow headers of `headers`, which {@link check} said are `same` or not. */
  read(
    headers: Record<string, string>,
    same: boolean,
  ): { options: MessageOptions; workflow: Record<string, string> | undefined } {
    if (same) return { options: this.options!, workflow: undefined };
    const lookup = headerLookup(headers);
    const options = parseMessageOptions(lookup, this.now);
    const workflow = captureWorkflowHeaders(lookup);
    this.names = Object.keys(headers);
    this.record = headers;
    this.options = workflow === undefined ? options : undefined;
    return { options, workflow };
  }
}

function prepareItem(
  ctx: DevContext,
  item: unknown,
  callerIp: string,
  parsed: ParsedHeaders,
): PreparedPublish {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw new DevServerError(400, "must be an object { destination, headers?, body?, queue? }.");
  const { destination, headers = {}, body = "", queue } = item as Record<string, unknown>;
  if (typeof destination !== "string" || destination === "")
    throw new DevServerError(400, '"destination" must be a URL or URL group name.');
  if (typeof headers !== "object" || headers === null || Array.isArray(headers))
    throw new DevServerError(400, '"headers" must be an object of header names to strings.');
  const same = parsed.check(headers as Record<string, unknown>);
  if (typeof body !== "string")
    throw new DevServerError(400, '"body" must be a string (JSON-encode objects).');
  if (queue !== undefined && (typeof queue !== "string" || queue === ""))
    throw new DevServerError(400, '"queue" must be a string naming a queue.');
  const { options, workflow } = parsed.read(headers as Record<string, string>, same);
  return prepare(ctx, destination, options, Buffer.from(body, "utf8"), callerIp, queue, workflow);
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
