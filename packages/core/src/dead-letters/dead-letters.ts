import { type ApiDeadLetter, type DecodedDeadLetter, decodeDeadLetter } from "@switchboard/wire";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";
import { type AnySchema, parsePayload } from "../schema";
import { callQStash } from "../sending/qstash-client";
import type {
  ChannelDeadLetterListOptions,
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterPage,
  DeadLetterRef,
  DeadLetters,
} from "./dead-letter";

/** Which dead letters a {@link DeadLetters} handles. Internal. */
export interface DeadLetterScope {
  /** `job "send-email"`, for messages. */
  owner: string;
  /** Parses each payload; `undefined`: the JSON body as it is. */
  schema: AnySchema | undefined;
  /**
   * The destination URLs whose entries are this scope's, narrowed to one subscriber when given;
   * `undefined`: every entry of the DLQ.
   */
  urls: ((subscriber?: string) => string[]) | undefined;
}

/** QStash lists at most 100 entries per page and acts on at most 100 ids per call. */
const PAGE_LIMIT = 100;

/** Builds the `deadLetters` of a job, a channel or a whole switchboard. Internal. */
export function createDeadLetters<TPayload, TListOptions extends DeadLetterListOptions>(
  runtime: Runtime,
  scope: DeadLetterScope,
): DeadLetters<TPayload, TListOptions> {
  const { owner } = scope;

  const list = async (options: ChannelDeadLetterListOptions = {}): Promise<DeadLetterPage> => {
    const { cursor, count, from, to, subscriber } = checkListOptions(options, owner);
    const urls = scope.urls?.(subscriber);
    const client = runtime.qstash();
    const page = await callQStash(`listing dead letters of ${owner}`, client, () =>
      client.dlq.listMessages({
        ...(count === undefined ? {} : { count }),
        ...(cursor === undefined ? {} : { cursor }),
        filter: {
          ...(urls ? { url: urls } : {}),
          ...(from === undefined ? {} : { fromDate: from }),
          ...(to === undefined ? {} : { toDate: to }),
        },
      }),
    );
    const entries: DeadLetter[] = [];
    for (const message of Array.isArray(page?.messages) ? page.messages : []) {
      const decoded = decodeDeadLetter(message as ApiDeadLetter);
      // The filter is the server's to apply; an entry for another URL is never shown as ours.
      if (!decoded || (urls && !urls.includes(decoded.url))) continue;
      entries.push(await toEntry(decoded, scope.schema, owner));
    }
    return { entries, cursor: typeof page?.cursor === "string" && page.cursor ? page.cursor : undefined };
  };

  /** The ids to act on: checked, deduplicated, and (for a job or channel) proven to be its own. */
  const owned = async (refs: DeadLetterRef | readonly DeadLetterRef[], action: string): Promise<string[]> => {
    const ids = toIds(refs, `${owner}: ${action}`);
    if (!scope.urls || ids.length === 0) return ids;
    const urls = scope.urls();
    const client = runtime.qstash();
    const found: string[] = [];
    for (const chunk of chunks(ids)) {
      const page = await callQStash(`${action} of dead letters of ${owner}`, client, () =>
        client.dlq.listMessages({ dlqIds: chunk, count: chunk.length }),
      );
      for (const message of page?.messages ?? []) {
        const decoded = decodeDeadLetter(message as ApiDeadLetter);
        if (!decoded || !chunk.includes(decoded.dlqId)) continue;
        if (!urls.includes(decoded.url)) {
          throw new SwitchboardError(
            "INVALID_OPTIONS",
            `${owner}: dead letter ${decoded.dlqId} is not this ${owner.split(" ")[0]}'s (it was sent to ${decoded.url}). Nothing was done; use sb.deadLetters.${action} for any entry.`,
          );
        }
        found.push(decoded.dlqId);
      }
    }
    return ids.filter((id) => found.includes(id));
  };

  const deadLetters: DeadLetters<unknown, ChannelDeadLetterListOptions> = {
    list,
    async retry(refs) {
      const ids = await owned(refs, "retry");
      const messageIds: string[] = [];
      const client = runtime.qstash();
      for (const chunk of chunks(ids)) {
        const answer = await callQStash(`retry of dead letters of ${owner}`, client, () =>
          client.dlq.retry(chunk),
        );
        for (const response of answer?.responses ?? []) {
          if (typeof response?.messageId === "string") messageIds.push(response.messageId);
        }
      }
      return { messageIds };
    },
    async delete(refs) {
      const ids = await owned(refs, "delete");
      let deleted = 0;
      const client = runtime.qstash();
      for (const chunk of chunks(ids)) {
        const answer = await callQStash(`delete of dead letters of ${owner}`, client, () =>
          client.dlq.delete(chunk),
        );
        deleted += typeof answer?.deleted === "number" ? answer.deleted : 0;
      }
      return { deleted };
    },
  };
  // The payload type is the schema's output: `toEntry` parsed it with that schema.
  return deadLetters as unknown as DeadLetters<TPayload, TListOptions>;
}

async function toEntry(
  decoded: DecodedDeadLetter,
  schema: AnySchema | undefined,
  owner: string,
): Promise<DeadLetter> {
  const { target, ...rest } = decoded;
  const fields = {
    ...rest,
    job: target?.kind === "job" ? target.job : undefined,
    channel: target?.kind === "channel" ? target.channel : undefined,
    subscriber: target?.kind === "channel" ? target.subscriber : undefined,
  };
  let value: unknown;
  try {
    value = JSON.parse(decoded.body);
  } catch {
    return { ...fields, payload: undefined, payloadError: "The body is not JSON." };
  }
  if (!schema) return { ...fields, payload: value };
  try {
    return { ...fields, payload: await parsePayload(schema, value, owner) };
  } catch (error) {
    const payloadError =
      error instanceof SwitchboardError
        ? error.message
        : `${owner}: the schema threw: ${describeThrown(error)}`;
    return { ...fields, payload: undefined, payloadError };
  }
}

function checkListOptions(options: ChannelDeadLetterListOptions, owner: string) {
  if (options === null || typeof options !== "object") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: deadLetters.list takes { cursor?, count?, from?, to? }.`,
    );
  }
  const { cursor, count, from, to, subscriber } = options;
  if (cursor !== undefined && (typeof cursor !== "string" || cursor === "")) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: cursor must be the \`cursor\` of the previous page.`,
    );
  }
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > PAGE_LIMIT)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: count must be a whole number from 1 to ${PAGE_LIMIT}, got ${String(count)}.`,
    );
  }
  return {
    cursor,
    count,
    from: toTime(from, "from", owner),
    to: toTime(to, "to", owner),
    subscriber,
  };
}

function toTime(value: Date | number | undefined, name: string, owner: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: ${name} must be a Date or unix milliseconds.`);
  }
  return ms;
}

/**
 * The dlq ids of `refs`. An empty, comma-holding or non-string id is refused before anything is
 * sent: QStash reads `dlqIds=a,b` as two ids, and an empty filter as "every entry".
 */
function toIds(refs: DeadLetterRef | readonly DeadLetterRef[], what: string): string[] {
  const list: readonly unknown[] = Array.isArray(refs) ? refs : [refs];
  const ids = list.map((ref) =>
    typeof ref === "object" && ref !== null ? (ref as { dlqId?: unknown }).dlqId : ref,
  );
  for (const id of ids) {
    if (typeof id !== "string" || id === "" || /[,\s]/.test(id)) {
      throw new SwitchboardError(
        "INVALID_OPTIONS",
        `${what}: pass dead letters from list(), or their dlqId strings; got ${JSON.stringify(id) ?? String(id)}.`,
      );
    }
  }
  return [...new Set(ids as string[])];
}

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let start = 0; start < ids.length; start += PAGE_LIMIT) out.push(ids.slice(start, start + PAGE_LIMIT));
  return out;
}
