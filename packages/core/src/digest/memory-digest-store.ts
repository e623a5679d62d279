import type { AppendResult, ClaimResult, DigestStore } from "./digest-store";

interface Bucket {
  events: string[];
  bytes: number;
  firstAt: number;
  lastAt: number;
  full: boolean;
  sealed: boolean;
  delivered: boolean;
  scheduled: boolean;
  scheduledNow: boolean;
  lease: string | undefined;
  leaseUntil: number;
  /** `clock()` ms after which the bucket is gone, as a Redis key's TTL would have it. */
  expiresAt: number;
}

interface Base {
  open: { bucket: string; expiresAt: number } | undefined;
  buckets: Map<string, Bucket>;
  /** Appended delivery → its bucket. */
  markers: Map<string, { bucket: string; expiresAt: number }>;
}

/**
 * The digest store without Redis: this process's memory, with the Redis store's semantics (the
 * same suite runs against both). Expiry is measured on `clock` (state expires as Redis keys do)
 * and swept as the store is used. One process only: with several instances, configure `redis`.
 * Internal.
 */
export function memoryDigestStore(clock: () => number = Date.now): DigestStore {
  const bases = new Map<string, Base>();
  let operations = 0;

  const sweep = (now: number) => {
    for (const [name, base] of bases) {
      prune(base, now);
      if (!base.open && base.buckets.size === 0 && base.markers.size === 0) bases.delete(name);
    }
  };
  const prune = (base: Base, now: number) => {
    if (base.open && base.open.expiresAt <= now) base.open = undefined;
    for (const [id, bucket] of base.buckets) if (bucket.expiresAt <= now) base.buckets.delete(id);
    for (const [id, marker] of base.markers) if (marker.expiresAt <= now) base.markers.delete(id);
  };
  const baseOf = (name: string): Base => {
    const now = clock();
    if (++operations % 1000 === 0) sweep(now);
    let base = bases.get(name);
    if (!base) {
      base = { open: undefined, buckets: new Map(), markers: new Map() };
      bases.set(name, base);
    }
    prune(base, now);
    return base;
  };
  const report = (base: Base, id: string, duplicate: boolean): AppendResult => {
    const bucket = base.buckets.get(id);
    return {
      bucket: id,
      duplicate,
      exists: bucket !== undefined,
      count: bucket?.events.length ?? 0,
      full: bucket?.full ?? false,
      sealed: bucket?.sealed ?? false,
      scheduled: bucket?.scheduled ?? false,
      scheduledNow: bucket?.scheduledNow ?? false,
    };
  };
  const seal = (base: Base, id: string, bucket: Bucket) => {
    bucket.sealed = true;
    if (base.open?.bucket === id) base.open = undefined;
  };

  return {
    async append({ base: name, messageId, event, now, max, maxBytes, ttlSeconds }) {
      const base = baseOf(name);
      const expiresAt = clock() + ttlSeconds * 1000;
      const seen = base.markers.get(messageId);
      if (seen) return report(base, seen.bucket, true);
      let id = base.open?.bucket;
      let bucket = id === undefined ? undefined : base.buckets.get(id);
      if (id === undefined || !bucket) {
        id = messageId;
        bucket = {
          events: [],
          bytes: 0,
          firstAt: now,
          lastAt: now,
          full: false,
          sealed: false,
          delivered: false,
          scheduled: false,
          scheduledNow: false,
          lease: undefined,
          leaseUntil: 0,
          expiresAt,
        };
        base.buckets.set(id, bucket);
      }
      base.open = { bucket: id, expiresAt };
      bucket.events.push(event);
      bucket.bytes += byteLength(event);
      bucket.lastAt = now;
      bucket.expiresAt = expiresAt;
      base.markers.set(messageId, { bucket: id, expiresAt });
      if (bucket.events.length >= max || bucket.bytes >= maxBytes) {
        bucket.full = true;
        if (base.open?.bucket === id) base.open = undefined;
      }
      return report(base, id, false);
    },
    async markScheduled(name, id, which) {
      const bucket = baseOf(name).buckets.get(id);
      if (!bucket) return;
      if (which === "delayed") bucket.scheduled = true;
      else bucket.scheduledNow = true;
    },
    async withdraw(name, messageId, event) {
      const base = baseOf(name);
      const marker = base.markers.get(messageId);
      if (!marker) return true;
      const bucket = base.buckets.get(marker.bucket);
      if (bucket?.sealed) return false;
      if (bucket) {
        const index = bucket.events.lastIndexOf(event);
        if (index >= 0) {
          bucket.events.splice(index, 1);
          bucket.bytes -= byteLength(event);
        }
      }
      base.markers.delete(messageId);
      return true;
    },
    async claim({ base: name, bucket: id, flushId, now, waitMs, maxWaitMs, leaseMs }): Promise<ClaimResult> {
      const base = baseOf(name);
      const bucket = base.buckets.get(id);
      if (!bucket) return { state: "gone" };
      if (bucket.delivered) return { state: "delivered" };
      if (!bucket.sealed) {
        if (waitMs > 0 && !bucket.full) {
          const quiet = bucket.lastAt + waitMs;
          const dueAt = maxWaitMs > 0 ? Math.min(quiet, bucket.firstAt + maxWaitMs) : quiet;
          if (now < dueAt) return { state: "early", dueAt };
        }
        seal(base, id, bucket);
      }
      if (bucket.lease !== undefined && bucket.lease !== flushId && bucket.leaseUntil > now) {
        return { state: "busy", until: bucket.leaseUntil };
      }
      bucket.lease = flushId;
      bucket.leaseUntil = now + leaseMs;
      return { state: "ready", events: [...bucket.events], firstAt: bucket.firstAt, lastAt: bucket.lastAt };
    },
    async finish(name, id, flushId, keepSeconds) {
      const base = baseOf(name);
      const bucket = base.buckets.get(id);
      if (!bucket || bucket.lease !== flushId) return;
      if (keepSeconds <= 0) {
        base.buckets.delete(id);
        return;
      }
      bucket.delivered = true;
      bucket.lease = undefined;
      bucket.expiresAt = clock() + keepSeconds * 1000;
    },
    async release(name, id, flushId) {
      const bucket = baseOf(name).buckets.get(id);
      if (bucket?.lease === flushId) {
        bucket.lease = undefined;
        bucket.leaseUntil = 0;
      }
    },
    async read(name, id) {
      const bucket = baseOf(name).buckets.get(id);
      return bucket
        ? {
            events: [...bucket.events],
            firstAt: bucket.firstAt,
            lastAt: bucket.lastAt,
            delivered: bucket.delivered,
          }
        : undefined;
    },
  };
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

let shared: DigestStore | undefined;

/** The one memory store of this process, shared by every switchboard in it (as one Redis would be). */
export function processDigestStore(): DigestStore {
  shared ??= memoryDigestStore();
  return shared;
}
