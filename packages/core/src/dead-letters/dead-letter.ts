import type { DecodedDeadLetter } from "@switchboard/wire";

export type { DeadLetterFailure } from "@switchboard/wire";

/**
 * What every dead letter has, whatever its payload.
 *
 * @example
 * ```ts
 * import type { DeadLetterFields } from "@switchboard/core";
 *
 * const where = (e: DeadLetterFields) => e.job ?? `${e.channel}/${e.subscriber}`;
 * ```
 */
export interface DeadLetterFields extends Omit<DecodedDeadLetter, "target"> {
  /** The job it was for, read from its destination URL. */
  job: string | undefined;
  /** The channel it was for, read from its destination URL. */
  channel: string | undefined;
  /** The channel subscriber it was for. */
  subscriber: string | undefined;
}

/**
 * One message in QStash's dead-letter queue, its payload parsed with the job's or channel's schema.
 * If the body no longer passes the schema (it changed since, or the body was never valid), `payload`
 * is `undefined` and `payloadError` says why: the entry is still listed, retried and deleted.
 *
 * @example
 * ```ts
 * const { entries } = await sendEmail.deadLetters.list();
 * for (const entry of entries) {
 *   if (entry.payloadError === undefined) console.log(entry.payload.to, entry.failure.message);
 * }
 * ```
 */
export type DeadLetter<TPayload = unknown> = DeadLetterFields &
  ({ payload: TPayload; payloadError?: undefined } | { payload: undefined; payloadError: string });

/**
 * One page of dead letters; pass `cursor` back to `list` for the next, until it is `undefined`.
 *
 * @example
 * ```ts
 * let cursor: string | undefined;
 * do {
 *   const page = await sendEmail.deadLetters.list(cursor ? { cursor } : {});
 *   console.log(page.entries.length);
 *   cursor = page.cursor;
 * } while (cursor);
 * ```
 */
export interface DeadLetterPage<TPayload = unknown> {
  entries: DeadLetter<TPayload>[];
  cursor: string | undefined;
}

/**
 * Options of `deadLetters.list`.
 *
 * @example
 * ```ts
 * await sendEmail.deadLetters.list({ count: 20, from: new Date(Date.now() - 86_400_000) });
 * ```
 */
export interface DeadLetterListOptions {
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Entries per page, 1 to 100. @default 100 (QStash's default and maximum) */
  count?: number;
  /** Only entries created at or after this time. */
  from?: Date | number;
  /** Only entries created at or before this time. */
  to?: Date | number;
}

/**
 * A dead letter to act on: its `dlqId`, or the entry `list` returned.
 *
 * @example
 * ```ts
 * await sb.deadLetters.delete(["dlq_1", entry]);
 * ```
 */
export type DeadLetterRef = string | { readonly dlqId: string };

/**
 * The dead letters of one job or channel: list them with their typed payload and decoded failure,
 * retry them (QStash publishes each again as a new message) or delete them.
 *
 * `retry` and `delete` refuse an entry that belongs to another job or channel, and skip one that is
 * already gone (retried or deleted elsewhere).
 *
 * @example
 * ```ts
 * const { entries } = await sendEmail.deadLetters.list();
 * const timeouts = entries.filter((e) => e.failure.status === 504);
 * const { messageIds } = await sendEmail.deadLetters.retry(timeouts);
 * await sendEmail.deadLetters.delete(entries.filter((e) => e.failure.code === "INVALID_PAYLOAD"));
 * ```
 */
export interface DeadLetters<TPayload = unknown, TListOptions = DeadLetterListOptions> {
  /** One page of dead letters, newest or oldest first as QStash orders them. */
  list(options?: TListOptions): Promise<DeadLetterPage<TPayload>>;
  /** Publishes the entries again as new messages and removes them from the DLQ. */
  retry(entries: DeadLetterRef | readonly DeadLetterRef[]): Promise<{ messageIds: string[] }>;
  /** Removes the entries from the DLQ for good. */
  delete(entries: DeadLetterRef | readonly DeadLetterRef[]): Promise<{ deleted: number }>;
}

/**
 * Options of a channel's `deadLetters.list`: those of a job, plus a subscriber to narrow to.
 *
 * @example
 * ```ts
 * await notify.deadLetters.list({ subscriber: "sms", count: 50 });
 * ```
 */
export interface ChannelDeadLetterListOptions<TSubscriber extends string = string>
  extends DeadLetterListOptions {
  /** Only this subscriber's dead letters. @default every subscriber */
  subscriber?: TSubscriber;
}
