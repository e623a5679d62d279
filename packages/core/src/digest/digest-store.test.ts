import { type RedisDriver, toRedisDriver } from "@switchboard/wire";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppendInput, DigestStore } from "./digest-store";
import { memoryDigestStore } from "./memory-digest-store";
import { redisDigestStore } from "./redis-digest-store";

// One suite, two stores: process memory and the real Redis at 127.0.0.1:6379 over a plain TCP
// client (ioredis, through wire's driver, as `createSwitchboard({ redis })` wraps it). No Redis →
// every Redis test fails, never skips. The Upstash REST path runs the same store end to end in
// @switchboard/dev (digests.test.ts).
let ioredis: Redis | undefined;
const run = `sbtest:${crypto.randomUUID()}`;
beforeAll(() => {
  ioredis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  if (!ioredis) return;
  const keys = await ioredis.keys(`${run}*`);
  if (keys.length > 0) await ioredis.del(...keys);
  ioredis.disconnect();
});

function testDriver(): RedisDriver {
  if (!ioredis) throw new Error("Redis is not up: is redis-server running on 127.0.0.1:6379?");
  return toRedisDriver(ioredis, "redis");
}

interface Case {
  name: string;
  /** A store, its clock (memory expires by it), and a fresh base. */
  make(): { store: DigestStore; clock: { now: number }; base: string };
}

let bases = 0;
const cases: Case[] = [
  {
    name: "memory",
    make: () => {
      const clock = { now: 1_000_000 };
      return { store: memoryDigestStore(() => clock.now), clock, base: `m:{c:s:${++bases}}` };
    },
  },
  {
    name: "redis",
    make: () => ({
      store: redisDigestStore(testDriver()),
      clock: { now: 1_000_000 },
      base: `${run}:{c:s:${++bases}}`,
    }),
  },
];

const defaults = { max: 100, maxBytes: 1_000_000, ttlSeconds: 3600 };

describe.each(cases)("digest store: $name", ({ name, make }) => {
  const append = (store: DigestStore, base: string, messageId: string, input: Partial<AppendInput> = {}) =>
    store.append({
      base,
      messageId,
      event: JSON.stringify({ n: messageId }),
      now: 1_000_000,
      ...defaults,
      ...input,
    });

  it("opens a bucket named after the first delivery, appends to it, and says whether a flush is scheduled", async () => {
    const { store, base } = make();
    const first = await append(store, base, "msg_1");
    expect(first).toEqual({
      bucket: "msg_1",
      duplicate: false,
      exists: true,
      count: 1,
      full: false,
      sealed: false,
      scheduled: false,
      scheduledNow: false,
    });
    await store.markScheduled(base, "msg_1", "delayed");
    const second = await append(store, base, "msg_2");
    expect(second).toMatchObject({ bucket: "msg_1", count: 2, scheduled: true, duplicate: false });
  });

  it("appends a retried delivery once", async () => {
    const { store, base } = make();
    await append(store, base, "msg_a");
    const again = await append(store, base, "msg_a");
    expect(again).toMatchObject({ bucket: "msg_a", duplicate: true, count: 1 });
  });

  it("keeps an id that looks like a number a string", async () => {
    const { store, base } = make();
    expect((await append(store, base, "12345")).bucket).toBe("12345");
  });

  it("is full at max events: the next event opens a new bucket", async () => {
    const { store, base } = make();
    await append(store, base, "a", { max: 2 });
    expect(await append(store, base, "b", { max: 2 })).toMatchObject({ bucket: "a", count: 2, full: true });
    expect(await append(store, base, "c", { max: 2 })).toMatchObject({ bucket: "c", count: 1, full: false });
  });

  it("is full at maxBytes", async () => {
    const { store, base } = make();
    const event = JSON.stringify({ text: "é".repeat(10) }); // 31 bytes, 21 characters
    expect(await append(store, base, "a", { event, maxBytes: 40 })).toMatchObject({ full: false });
    expect(await append(store, base, "b", { event, maxBytes: 40 })).toMatchObject({ full: true });
  });

  it("a flush seals the bucket, leases it, hands out every event in order; new events open a new bucket", async () => {
    const { store, base } = make();
    await append(store, base, "a", { event: '{"n":1}', now: 1000 });
    await append(store, base, "b", { event: '{"n":2}', now: 2000 });
    const claim = await store.claim({
      base,
      bucket: "a",
      flushId: "f1",
      now: 3000,
      waitMs: 0,
      maxWaitMs: 0,
      leaseMs: 60_000,
    });
    expect(claim).toEqual({ state: "ready", events: ['{"n":1}', '{"n":2}'], firstAt: 1000, lastAt: 2000 });
    expect(await append(store, base, "c")).toMatchObject({ bucket: "c", count: 1 });
    // A retry of a sealed bucket's delivery is a duplicate: it reports the sealed bucket.
    expect(await append(store, base, "b")).toMatchObject({ bucket: "a", duplicate: true, sealed: true });
  });

  it("lets one flush at a time hold a bucket; the holder's retry takes it again", async () => {
    const { store, base } = make();
    await append(store, base, "a");
    const input = { base, bucket: "a", now: 1000, waitMs: 0, maxWaitMs: 0, leaseMs: 60_000 };
    expect((await store.claim({ ...input, flushId: "f1" })).state).toBe("ready");
    expect(await store.claim({ ...input, flushId: "f2" })).toEqual({ state: "busy", until: 61_000 });
    expect((await store.claim({ ...input, flushId: "f1" })).state).toBe("ready");
    // The lease lapses (the holder crashed) or is released (the handler failed): another may take it.
    expect((await store.claim({ ...input, flushId: "f2", now: 61_001 })).state).toBe("ready");
    await store.release(base, "a", "f2");
    expect((await store.claim({ ...input, flushId: "f3" })).state).toBe("ready");
  });

  it("finishes: a delivered bucket is gone (or kept, delivered, for its success hook)", async () => {
    const { store, base } = make();
    await append(store, base, "a");
    const input = { base, now: 1000, waitMs: 0, maxWaitMs: 0, leaseMs: 60_000 };
    await store.claim({ ...input, bucket: "a", flushId: "f1" });
    await store.finish(base, "a", "f2", 0); // not the holder: ignored
    await store.finish(base, "a", "f1", 0);
    expect(await store.claim({ ...input, bucket: "a", flushId: "f1" })).toEqual({ state: "gone" });
    expect(await store.read(base, "a")).toBeUndefined();

    await append(store, base, "b");
    await store.claim({ ...input, bucket: "b", flushId: "f4" });
    await store.finish(base, "b", "f4", 60);
    expect(await store.claim({ ...input, bucket: "b", flushId: "f5" })).toEqual({ state: "delivered" });
    expect(await store.read(base, "b")).toEqual({
      events: ['{"n":"b"}'],
      firstAt: 1_000_000,
      lastAt: 1_000_000,
      delivered: true,
    });
  });

  it("debounce: a flush before the key went quiet is early, due after the last event or at maxWait", async () => {
    const { store, base } = make();
    await append(store, base, "a", { now: 1000 });
    await append(store, base, "b", { now: 20_000 });
    const input = { base, bucket: "a", flushId: "f", waitMs: 30_000, maxWaitMs: 0, leaseMs: 60_000 };
    expect(await store.claim({ ...input, now: 31_000 })).toEqual({ state: "early", dueAt: 50_000 });
    // Still open: events keep arriving in the same bucket.
    expect(await append(store, base, "c", { now: 40_000 })).toMatchObject({ bucket: "a", count: 3 });
    expect(await store.claim({ ...input, now: 50_000 })).toEqual({ state: "early", dueAt: 70_000 });
    expect(await store.claim({ ...input, now: 45_000, maxWaitMs: 45_000 })).toEqual({
      state: "early",
      dueAt: 46_000,
    });
    expect((await store.claim({ ...input, now: 70_000 })).state).toBe("ready");
  });

  it("debounce: a full bucket is due at once", async () => {
    const { store, base } = make();
    await append(store, base, "a", { now: 1000, max: 1 });
    const claim = await store.claim({
      base,
      bucket: "a",
      flushId: "f",
      now: 1000,
      waitMs: 30_000,
      maxWaitMs: 0,
      leaseMs: 1,
    });
    expect(claim.state).toBe("ready");
  });

  it("withdraws an event whose flush could not be scheduled, unless its bucket is sealed", async () => {
    const { store, base } = make();
    await append(store, base, "a", { event: '{"n":1}' });
    await append(store, base, "b", { event: '{"n":2}' });
    expect(await store.withdraw(base, "b", '{"n":2}')).toBe(true);
    expect(await append(store, base, "b", { event: '{"n":2}' })).toMatchObject({
      duplicate: false,
      count: 2,
    });
    expect(await store.withdraw(base, "b", '{"n":2}')).toBe(true);
    expect((await store.read(base, "a"))?.events).toEqual(['{"n":1}']);
    await store.claim({ base, bucket: "a", flushId: "f", now: 1, waitMs: 0, maxWaitMs: 0, leaseMs: 1 });
    expect(await store.withdraw(base, "a", '{"n":1}')).toBe(false);
  });

  it("gives every key of a bucket a TTL, so abandoned state expires", async () => {
    const { store, clock, base } = make();
    await append(store, base, "a", { ttlSeconds: 120 });
    if (name === "redis") {
      const keys = await ioredis!.keys(`${base}*`);
      expect(keys.sort()).toEqual([`${base}:b:a`, `${base}:e:a`, `${base}:m:a`, `${base}:open`].sort());
      for (const key of keys) {
        const ttl = await ioredis!.ttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(120);
      }
      await ioredis!.del(...keys); // what expiry does
    } else {
      clock.now += 120_000;
    }
    expect(await store.read(base, "a")).toBeUndefined();
    expect(await append(store, base, "a")).toMatchObject({ bucket: "a", duplicate: false, count: 1 });
  });
});
