import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

/**
 * The contract with the official `@upstash/qstash` Client: every endpoint family driven through
 * the SDK itself, asserting the shapes its types promise and the behaviour its own test suite
 * expects of QStash. When the SDK or QStash changes, this is where the drift shows.
 */
const t = useDevServer();

const sha256 = (value: string) => `REDACTED:${createHash("sha256").update(value).digest("hex")}`;
/** A raw API call, for what the SDK's types would not let through (typos, bad counts). */
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${t.dev.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${t.dev.token}`, ...(init.headers ?? {}) },
  });
const later = (path: string, label?: string | string[]) =>
  t.client.publishJSON({ url: `${t.sink.url}${path}`, body: { path }, delay: "1d", label });

describe("publish, batch, enqueue", () => {
  it("answers publish with { messageId, url } and a repeat with deduplicated: true", async () => {
    const first = await t.client.publishJSON({
      url: `${t.sink.url}/p`,
      body: { a: 1 },
      deduplicationId: "d1",
    });
    expect(first).toEqual({ messageId: expect.stringMatching(/^msg_/), url: `${t.sink.url}/p` });
    const again = await t.client.publishJSON({
      url: `${t.sink.url}/p`,
      body: { a: 1 },
      deduplicationId: "d1",
    });
    expect(again).toEqual({ messageId: first.messageId, url: `${t.sink.url}/p`, deduplicated: true });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery?.body).toBe('{"a":1}');
  });

  it("answers a batch with one answer per item, and enqueue like publish", async () => {
    const answers = await t.client.batchJSON([
      { url: `${t.sink.url}/b1`, body: 1 },
      { url: `${t.sink.url}/b2`, body: 2, queueName: "q-batch" },
    ]);
    expect(answers).toEqual([
      { messageId: expect.any(String), url: `${t.sink.url}/b1` },
      { messageId: expect.any(String), url: `${t.sink.url}/b2` },
    ]);
    const queued = await t.client
      .queue({ queueName: "q-enq" })
      .enqueueJSON({ url: `${t.sink.url}/e`, body: {} });
    expect(queued).toEqual({ messageId: expect.any(String), url: `${t.sink.url}/e` });
    await t.sink.waitFor(3);
  });
});

describe("queues", () => {
  it("upserts, gets, lists, pauses, resumes and deletes in the QueueResponse shape", async () => {
    const queue = t.client.queue({ queueName: "q1" });
    await queue.upsert({ parallelism: 2 });
    expect(await queue.get()).toEqual({
      name: "q1",
      parallelism: 2,
      paused: false,
      lag: 0,
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    await queue.pause();
    expect((await queue.get()).paused).toBe(true);
    await queue.resume();
    expect((await t.client.queue().list()).map((q) => q.name)).toEqual(["q1"]);
    await queue.delete();
    expect(await t.client.queue().list()).toEqual([]);
  });
});

describe("schedules", () => {
  it("gets a schedule in the Schedule shape, with labels, and no body when it has none", async () => {
    const { scheduleId } = await t.client.schedules.create({
      destination: `${t.sink.url}/cron`,
      cron: "0 9 * * *",
      scheduleId: "s1",
      label: ["a", "b"],
    } as never);
    expect(scheduleId).toBe("s1");
    const schedule = await t.client.schedules.get("s1");
    expect(schedule).toMatchObject({
      scheduleId: "s1",
      cron: "0 9 * * *",
      destination: `${t.sink.url}/cron`,
      method: "POST",
      isPaused: false,
      label: "a",
      labels: ["a", "b"],
      createdAt: expect.any(Number),
    });
    expect(schedule).not.toHaveProperty("body");
    await t.client.schedules.create({
      destination: `${t.sink.url}/cron`,
      cron: "0 9 * * *",
      scheduleId: "s1",
      body: "x",
    });
    expect((await t.client.schedules.list())[0]?.body).toBe("x");
  });
});

describe("messages", () => {
  it("gets a message with label (first) and labels (all)", async () => {
    const { messageId } = await later("/m", ["a", "b"]);
    expect(await t.client.messages.get(messageId)).toMatchObject({
      messageId,
      url: `${t.sink.url}/m`,
      body: '{"path":"/m"}',
      label: "a",
      labels: ["a", "b"],
      createdAt: expect.any(Number),
    });
  });

  it("cancels at most `count` per call, so the SDK's loop-until-0 ends", async () => {
    for (let i = 0; i < 3; i++) await later("/all");
    expect(await t.client.messages.cancel({ all: true, count: 2 })).toEqual({ cancelled: 2 });
    expect(await t.client.messages.cancel({ all: true, count: 2 })).toEqual({ cancelled: 1 });
    expect(await t.client.messages.cancel({ all: true, count: 2 })).toEqual({ cancelled: 0 });
  });

  it("cancels by filter, at most `count`, and only the matches", async () => {
    const keep = await later("/keep", "other");
    for (let i = 0; i < 3; i++) await later("/x", "bulk");
    expect(await t.client.messages.cancel({ filter: { label: "bulk" }, count: 1 })).toEqual({ cancelled: 1 });
    expect(await t.client.messages.cancel({ filter: { path: "/x" } })).toEqual({ cancelled: 2 });
    expect((await t.client.messages.get(keep.messageId)).messageId).toBe(keep.messageId);
  });

  it("refuses an unknown filter or a bad count instead of cancelling everything", async () => {
    const { messageId } = await later("/safe");
    const typo = await api("/v2/messages?labeel=bulk&count=100", { method: "DELETE" });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toEqual({ error: expect.stringContaining('"labeel"') });
    expect((await api("/v2/messages?count=501", { method: "DELETE" })).status).toBe(400);
    expect((await t.client.messages.get(messageId)).messageId).toBe(messageId);
  });
});

describe("URL groups", () => {
  it("adds endpoints, publishes to every one, lists, removes and deletes", async () => {
    await t.client.urlGroups.addEndpoints({
      name: "g",
      endpoints: [{ name: "one", url: `${t.sink.url}/g1` }, { url: `${t.sink.url}/g2` }],
    });
    expect(await t.client.urlGroups.get("g")).toMatchObject({
      name: "g",
      endpoints: [{ name: "one", url: `${t.sink.url}/g1` }, { url: `${t.sink.url}/g2` }],
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    const answers = await t.client.publishJSON({ urlGroup: "g", body: {} });
    expect(answers).toHaveLength(2);
    await t.sink.waitFor(2);
    await t.client.urlGroups.removeEndpoints({ name: "g", endpoints: [{ url: `${t.sink.url}/g2` }] });
    expect((await t.client.urlGroups.list()).map((g) => g.endpoints.length)).toEqual([1]);
    await t.client.urlGroups.delete("g");
    expect(await t.client.urlGroups.list()).toEqual([]);
  });
});

describe("DLQ", () => {
  const fail = async (path: string, label: string) => {
    const { messageId } = await t.client.publishJSON({
      url: `${t.sink.url}${path}`,
      body: {},
      retries: 0,
      label,
    });
    return messageId;
  };
  const dlqSize = async () => (await t.client.dlq.listMessages()).messages.length;

  it("lists, filters, refuses typos and host/path, retries and deletes", async () => {
    t.sink.answer(() => ({ status: 500, body: "down" }));
    const a = await fail("/a", "x");
    await fail("/b", "y");
    await expect.poll(dlqSize).toBe(2);
    const { messages } = await t.client.dlq.listMessages({ filter: { label: "x" } });
    expect(messages).toEqual([
      expect.objectContaining({
        messageId: a,
        dlqId: expect.stringMatching(/^dlq_/),
        url: `${t.sink.url}/a`,
        responseStatus: 500,
        responseBody: "down",
        label: "x",
        labels: ["x"],
      }),
    ]);
    // A typo'd filter is refused, and the DLQ is untouched.
    await expect(t.client.dlq.delete({ filter: { labeel: "x" } } as never)).rejects.toThrow(/labeel/);
    await expect(t.client.dlq.retry({ filter: { labeel: "x" } } as never)).rejects.toThrow(/labeel/);
    expect((await api("/v2/dlq?path=/a")).status).toBe(400);
    expect(await dlqSize()).toBe(2);

    t.sink.answer(() => ({ status: 200 }));
    const retried = await t.client.dlq.retry({ dlqIds: [messages[0]!.dlqId] });
    expect(retried).toEqual({ responses: [{ messageId: expect.stringMatching(/^msg_/) }] });
    expect(await t.client.dlq.delete({ all: true })).toEqual({ deleted: 1 });
    expect(await dlqSize()).toBe(0);
  });
});

describe("logs and events", () => {
  it("gives label (first) and labels (all), header and base64 body, and filters by label and path", async () => {
    const { messageId } = await t.client.publishJSON({
      url: `${t.sink.url}/logged?q=1`,
      body: { hi: 1 },
      label: ["a", "b"],
      headers: { "X-Tenant": "acme" },
    });
    await t.client.publishJSON({ url: `${t.sink.url}/other`, body: {} });
    await t.sink.waitFor(2);
    const byPath = await t.client.logs({ filter: { path: "/logged" } });
    expect(new Set(byPath.logs.map((l) => l.messageId))).toEqual(new Set([messageId]));
    const byLabel = await t.client.logs({ filter: { label: "b", state: "CREATED" } });
    expect(byLabel.logs).toEqual([
      expect.objectContaining({
        messageId,
        state: "CREATED",
        url: `${t.sink.url}/logged?q=1`,
        time: expect.any(Number),
        label: "a",
        labels: ["a", "b"],
        header: expect.objectContaining({ "X-Tenant": ["acme"] }),
        body: Buffer.from('{"hi":1}').toString("base64"),
      }),
    ]);
    expect((await api("/v2/events?labeel=a")).status).toBe(400);
  });
});

describe("Upstash-Redact-Fields", () => {
  it("delivers the originals but shows REDACTED:<sha256> in logs, messages, the DLQ and schedules", async () => {
    const secret = '{"password":"p4ss"}';
    t.sink.answer(() => ({ status: 500 }));
    const { messageId } = await t.client.publish({
      url: `${t.sink.url}/r`,
      body: secret,
      retries: 0,
      delay: 1,
      headers: { Authorization: "Bearer tok", "X-Public": "seen" },
      redact: { body: true, header: ["Authorization"] },
    });
    expect(await t.client.messages.get(messageId)).toMatchObject({
      body: sha256(secret),
      header: { Authorization: [sha256("Bearer tok")], "X-Public": ["seen"] },
    });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery?.body).toBe(secret);
    expect(delivery?.headers.authorization).toBe("Bearer tok");

    const { logs } = await t.client.logs({ filter: { messageId } });
    for (const log of logs) {
      expect(Buffer.from(log.body ?? "", "base64").toString()).toBe(sha256(secret));
      expect(JSON.stringify(log.header)).not.toContain("Bearer tok");
    }
    await expect.poll(async () => (await t.client.dlq.listMessages()).messages.length).toBe(1);
    const [dead] = (await t.client.dlq.listMessages()).messages;
    expect(dead).toMatchObject({ body: sha256(secret), header: { Authorization: [sha256("Bearer tok")] } });

    await t.client.schedules.create({
      destination: `${t.sink.url}/cron`,
      cron: "0 9 * * *",
      scheduleId: "secret",
      body: secret,
      headers: { Authorization: "Bearer tok" },
      redact: { header: true },
    } as never);
    expect(await t.client.schedules.get("secret")).toMatchObject({
      body: secret,
      header: { Authorization: [sha256("Bearer tok")] },
    });
  });

  it("refuses a field it does not know", async () => {
    const answer = await api(`/v2/publish/${t.sink.url}/r`, {
      method: "POST",
      headers: { "Upstash-Redact-Fields": "body, bodyy" },
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: expect.stringContaining('"bodyy"') });
  });
});

describe("flow control and keys", () => {
  it("reports a key in the FlowControlInfo shape and the global parallelism", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.sink.answer(() => ({ status: 200, until: held }));
    await t.client.publishJSON({
      url: `${t.sink.url}/fc`,
      body: {},
      flowControl: { key: "fc", parallelism: 2, rate: 10, period: "1m" },
    });
    await t.sink.waitFor(1);
    expect(await t.client.flowControl.get("fc")).toEqual({
      flowControlKey: "fc",
      waitListSize: 0,
      parallelismMax: 2,
      parallelismCount: 1,
      rateMax: 10,
      rateCount: expect.any(Number),
      ratePeriod: 60,
      ratePeriodStart: expect.any(Number),
      isPaused: false,
      isPinnedParallelism: false,
      isPinnedRate: false,
    });
    expect(await t.client.flowControl.getGlobalParallelism()).toEqual({
      parallelismMax: expect.any(Number),
      parallelismCount: expect.any(Number),
    });
    release();
  });

  it("answers GET /v2/keys with the signing keys", async () => {
    expect(await (await api("/v2/keys")).json()).toEqual(t.dev.signingKeys);
  });
});
