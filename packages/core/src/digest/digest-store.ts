/**
 * Where digest and debounce buckets live: Redis (shared by every instance, one Lua script per
 * step) or this process's memory, with the same semantics. Internal.
 *
 * A *base* names one key of one subscriber (`sb:digest:{channel:subscriber:key}`). It has at most
 * one *open* bucket, which collects events; a bucket is *sealed* when a flush takes it or when it
 * is full, and new events then open a new bucket. A bucket's id is the message id of the delivery
 * that opened it, so ids never repeat. Each appended delivery leaves a marker (its message id →
 * its bucket) so a retried delivery is recognised and appended once.
 */
export interface DigestStore {
  append(input: AppendInput): Promise<AppendResult>;
  /** Records that the flush (`delayed` or `now`) of a bucket was published. */
  markScheduled(base: string, bucket: string, which: "delayed" | "now"): Promise<void>;
  /**
   * Takes back a delivery's event when its flush could not be scheduled (the delivery then fails
   * and QStash retries it). `false` when the bucket was sealed meanwhile: the event will be
   * delivered by the flush that sealed it, so the delivery must succeed.
   */
  withdraw(base: string, messageId: string, event: string): Promise<boolean>;
  /** A flush arrived: seal the bucket and lease it to this flush message, or say why not. */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** The handler succeeded: the bucket is delivered (kept `keepSeconds` for the success hook, else deleted). */
  finish(base: string, bucket: string, flushId: string, keepSeconds: number): Promise<void>;
  /** The handler failed: give the lease back so a retry can take it. */
  release(base: string, bucket: string, flushId: string): Promise<void>;
  /** A bucket's events, for its hooks, and whether it was delivered; `undefined` when it is gone. */
  read(base: string, bucket: string): Promise<(BucketContents & { delivered: boolean }) | undefined>;
}

export interface AppendInput {
  base: string;
  /** The delivery's `Upstash-Message-Id`. */
  messageId: string;
  /** The event as delivered: its raw JSON text. */
  event: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** Events that make a bucket full. */
  max: number;
  /** Bytes of events that make a bucket full. */
  maxBytes: number;
  ttlSeconds: number;
}

export interface AppendResult {
  bucket: string;
  /** This delivery was appended before (a retry): nothing was added. */
  duplicate: boolean;
  /** The bucket still exists (a duplicate's bucket may be delivered and gone). */
  exists: boolean;
  count: number;
  /** The bucket reached `max` events or `maxBytes`: it takes no more and is due now. */
  full: boolean;
  /** A flush took the bucket. */
  sealed: boolean;
  /** The delayed flush was published (recorded by `markScheduled`). */
  scheduled: boolean;
  /** The immediate flush of a full bucket was published. */
  scheduledNow: boolean;
}

export interface ClaimInput {
  base: string;
  bucket: string;
  /** The flush delivery's message id: the lease holder. */
  flushId: string;
  now: number;
  /** Debounce quiet time in ms (0: a digest, always due). */
  waitMs: number;
  /** Debounce bound in ms after the first event (0: none). */
  maxWaitMs: number;
  /** How long the lease lasts if this flush never answers (a crash), in ms. */
  leaseMs: number;
}

export interface BucketContents {
  /** Raw JSON text of each event, oldest first. */
  events: string[];
  firstAt: number;
  lastAt: number;
}

export type ClaimResult =
  | { state: "gone" }
  | { state: "delivered" }
  /** A debounce flush before the key went quiet: due at `dueAt` (ms). */
  | { state: "early"; dueAt: number }
  /** Another flush message holds the lease until `until` (ms). */
  | { state: "busy"; until: number }
  | ({ state: "ready" } & BucketContents);
