import type { Runtime } from "../runtime";
import type { AnySchema, SchemaOutput } from "../schema";
import type { Channel } from "../sending/channel";
import type { Job } from "../sending/job";
import type {
  ChannelDeadLetterListOptions,
  DeadLetterListOptions,
  DeadLetterPage,
  DeadLetterRef,
} from "./dead-letter";
import { createDeadLetters } from "./dead-letters";

/**
 * The dead letters of a whole switchboard: list one job's or channel's (typed by its schema) or the
 * whole DLQ's (payload as JSON), and retry or delete any entry by id.
 *
 * @example
 * ```ts
 * const { entries, cursor } = await sb.deadLetters.list({ job: sendEmail });
 * entries[0]?.payload?.to; // typed by sendEmail's schema
 * await sb.deadLetters.retry(entries);
 * ```
 */
export interface SwitchboardDeadLetters {
  /** One page of a job's dead letters, payloads parsed with its schema. */
  list<TSchema extends AnySchema>(
    options: DeadLetterListOptions & { job: Job<TSchema> },
  ): Promise<DeadLetterPage<SchemaOutput<TSchema>>>;
  /** One page of a channel's dead letters (or one subscriber's), payloads parsed with its schema. */
  list<TSchema extends AnySchema, TSubscriber extends string>(
    options: ChannelDeadLetterListOptions<TSubscriber> & { channel: Channel<TSchema, TSubscriber> },
  ): Promise<DeadLetterPage<SchemaOutput<TSchema>>>;
  /** One page of the whole DLQ, whatever sent it; payloads are the JSON bodies, unvalidated. */
  list(options?: DeadLetterListOptions): Promise<DeadLetterPage<unknown>>;
  /** Publishes the entries again as new messages and removes them from the DLQ. */
  retry(entries: DeadLetterRef | readonly DeadLetterRef[]): Promise<{ messageIds: string[] }>;
  /** Removes the entries from the DLQ for good. */
  delete(entries: DeadLetterRef | readonly DeadLetterRef[]): Promise<{ deleted: number }>;
}

type ListOptions = DeadLetterListOptions & { job?: Job; channel?: Channel; subscriber?: string };

/** Builds `sb.deadLetters`. Internal. */
export function createSwitchboardDeadLetters(runtime: Runtime): SwitchboardDeadLetters {
  const all = createDeadLetters<unknown, DeadLetterListOptions>(runtime, {
    owner: "the dead-letter queue",
    schema: undefined,
    urls: undefined,
  });
  return {
    list: ((options: ListOptions = {}) => {
      const { job, channel, ...rest } = options ?? {};
      if (job) return job.deadLetters.list(rest);
      if (channel) return channel.deadLetters.list(rest);
      return all.list(rest);
    }) as SwitchboardDeadLetters["list"],
    retry: (entries) => all.retry(entries),
    delete: (entries) => all.delete(entries),
  };
}
