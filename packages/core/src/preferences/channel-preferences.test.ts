import type { RedisDriver } from "@switchboard/wire";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { SwitchboardError } from "../errors/switchboard-error";
import { mockQStash } from "../testing/mock-qstash";
import { skippedSubscribers } from "./skipped-subscribers";

// Validation and publish's use of preferences, in memory with QStash mocked. What the stores keep
// (memory and the real Redis, over real HTTP) is tested by packages/dev/src/channel-preferences.test.ts.

const qstash = mockQStash({ baseUrl: "https://qstash.test" });
const server = setupServer(...qstash.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => qstash.reset());
afterAll(() => server.close());

const options = {
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t", baseUrl: "https://qstash.test" },
  signingKeys: { current: "k1", next: "k2" },
};
const schema = z.object({ userId: z.string(), kind: z.string(), title: z.string() });
const subscribers = { email: async () => {}, sms: async () => {}, inApp: async () => {} };
const categories = {
  comments: { label: "Comments", defaults: { sms: false } },
  security: { critical: true },
};

function channel(sb = createSwitchboard(options), name = "notify") {
  return sb.createChannel({
    name,
    schema,
    subscribers,
    preferences: { recipient: (event) => event.userId, category: (event) => event.kind, categories },
  });
}

const destinations = () => qstash.messages.map((m) => new URL(m.destination).searchParams.get("subscriber"));

async function rejection(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

function refusal(run: () => unknown): SwitchboardError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    return error as SwitchboardError;
  }
  throw new Error("expected a SwitchboardError");
}

describe("createChannel preferences option", () => {
  const sb = createSwitchboard(options);
  const make = (preferences: unknown) => () =>
    sb.createChannel({ name: "c", schema, subscribers, preferences: preferences as never });
  const base = { recipient: (e: { userId: string }) => e.userId, category: "comments", categories };

  it.each([
    ["not an object", null, "preferences must be { recipient"],
    ["an unknown option", { ...base, categorys: {} }, 'unknown option "categorys"'],
    ["no recipient function", { ...base, recipient: "userId" }, "preferences.recipient must be a function"],
    ["no categories", { ...base, categories: {} }, "at least one category"],
    ["categories as an array", { ...base, categories: [{}] }, "at least one category"],
    ["a bad category name", { ...base, categories: { "new comments": {} } }, 'category name "new comments"'],
    [
      "a __proto__ category",
      { ...base, categories: JSON.parse('{"__proto__":{}}') },
      'category name "__proto__"',
    ],
    ["a category that is not an object", { ...base, categories: { comments: true } }, "must be an object"],
    [
      "an unknown category option",
      { ...base, categories: { comments: { default: { sms: false } } } },
      'unknown option "default"',
    ],
    [
      "a default for an unknown subscriber",
      { ...base, categories: { comments: { defaults: { fax: false } } } },
      'unknown subscriber "fax". Subscribers: email, sms, inApp',
    ],
    [
      "a default that is not a boolean",
      { ...base, categories: { comments: { defaults: { sms: "off" } } } },
      "defaults.sms must be true or false",
    ],
    [
      "a critical category muted by default",
      { ...base, categories: { security: { critical: true, defaults: { sms: false } } } },
      "the category is critical",
    ],
    ["critical as a string", { ...base, categories: { security: { critical: "yes" } } }, "critical must be"],
    ["an empty label", { ...base, categories: { comments: { label: "" } } }, "label must be text"],
    [
      "an undeclared fixed category",
      { ...base, category: "billing" },
      '"billing" is not one of the categories',
    ],
    ["a category that is neither", { ...base, category: 3 }, "must be a category name (comments, security)"],
    ["a prefix with a space", { ...base, prefix: "sb prefs" }, "prefix must be"],
    ["an empty prefix", { ...base, prefix: "" }, "prefix must be"],
  ])("refuses %s, saying what to change", (_what, preferences, message) => {
    const error = refusal(make(preferences));
    expect(error.code).toBe("INVALID_OPTIONS");
    expect(error.message).toContain(message);
    expect(error.message).toContain('channel "c"');
  });

  it("refuses more than 1000 settings per recipient (categories × subscribers)", () => {
    const many = Object.fromEntries(Array.from({ length: 334 }, (_, i) => [`c${i}`, {}]));
    const error = refusal(make({ ...base, category: "c0", categories: many }));
    expect(error.message).toContain("334 categories × 3 subscribers is 1002 settings per recipient");
    const enough = Object.fromEntries(Array.from({ length: 333 }, (_, i) => [`c${i}`, {}]));
    expect(make({ ...base, category: "c0", categories: enough })().preferences.categories).toHaveLength(333);
  });

  it("accepts a category with no options: every subscriber on", async () => {
    const c = make({ ...base, categories: { comments: {} } })();
    expect(await c.preferences.get("u_1")).toEqual({ comments: { email: true, sms: true, inApp: true } });
    expect(c.preferences.categories).toEqual([{ name: "comments", label: "comments", critical: false }]);
  });
});

describe("preferences.get / set / reset input", () => {
  const notify = channel();

  it.each([
    ["an empty recipient", "", "must not be empty"],
    ["a recipient over 200 characters", "u".repeat(201), "at most 200 characters, got 201"],
    ["a newline", "u_1\nadmin", "control characters (U+000a at index 3)"],
    ["a NUL", "u_1\u0000", "control characters (U+0000"],
    ["a C1 control", "u\u0085", "control characters (U+0085"],
    ["a line separator", "u\u2028", "control characters (U+2028"],
    ["an unpaired surrogate", "u\ud800", "unpaired surrogate"],
    ["a number", 42, "must be a string (a user id), got number"],
    ["null", null, "got null"],
  ])("refuses %s as the recipient", async (_what, recipient, message) => {
    for (const call of [
      () => notify.preferences.get(recipient as string),
      () => notify.preferences.set(recipient as string, { comments: { sms: true } }),
      () => notify.preferences.reset(recipient as string),
    ]) {
      const error = await rejection(call());
      expect(error.code).toBe("INVALID_OPTIONS");
      expect(error.message).toContain(message);
    }
  });

  it("takes a recipient of exactly 200 characters, and any well-formed text", async () => {
    await notify.preferences.set("u".repeat(200), { comments: { sms: true } });
    expect((await notify.preferences.get("u".repeat(200))).comments.sms).toBe(true);
    await notify.preferences.set("ユーザー:😀{a}", { comments: { email: false } });
    expect((await notify.preferences.get("ユーザー:😀{a}")).comments.email).toBe(false);
  });

  it.each([
    ["null", null],
    ["an array", [{ comments: { sms: true } }]],
    ["a Map", new Map([["comments", { sms: true }]])],
    ["a string", '{"comments":{"sms":true}}'],
  ])("set refuses %s for the changes", async (_what, changes) => {
    const error = await rejection(notify.preferences.set("u_1", changes as never));
    expect(error.message).toContain("pass { [category]: { [subscriber]: true | false } }");
  });

  it.each([
    [
      "an unknown category",
      { billing: { email: true } },
      'unknown category "billing". Categories: comments, security',
    ],
    [
      "a __proto__ key from JSON",
      JSON.parse('{"__proto__":{"email":false}}'),
      'unknown category "__proto__"',
    ],
    ["constructor", JSON.parse('{"constructor":{"email":false}}'), 'unknown category "constructor"'],
    ["toString", { toString: { email: false } }, 'unknown category "toString"'],
    ["a row that is not an object", { comments: true }, '"comments" must be { [subscriber]: true | false }'],
    ["a row that is an array", { comments: [true] }, '"comments" must be'],
    ["an unknown subscriber", { comments: { fax: true } }, 'unknown subscriber "fax" in "comments"'],
    [
      "a __proto__ subscriber",
      { comments: JSON.parse('{"__proto__":true}') },
      'unknown subscriber "__proto__"',
    ],
    [
      "a string for a boolean",
      { comments: { sms: "true" } },
      'comments.sms must be true or false, got "true"',
    ],
    ["a number for a boolean", { comments: { sms: 1 } }, "got 1"],
    ["null for a boolean", { comments: { sms: null } }, "got null"],
    [
      "a muted critical category",
      { security: { email: false } },
      'category "security" is critical, so it cannot be muted',
    ],
  ])("set refuses %s, and stores nothing", async (_what, changes, message) => {
    const recipient = `refuse-${_what}`;
    const error = await rejection(
      notify.preferences.set(recipient, { comments: { email: false }, ...(changes as object) } as never),
    );
    expect(error.code).toBe("INVALID_OPTIONS");
    expect(error.message).toContain(message);
    // The valid part of the same call was not stored either: all or nothing.
    expect((await notify.preferences.get(recipient)).comments.email).toBe(true);
  });

  it("set takes true for a critical category and changes nothing", async () => {
    const prefs = await notify.preferences.set("crit", {
      security: { email: true },
      comments: { sms: true },
    });
    expect(prefs.security).toEqual({ email: true, sms: true, inApp: true });
    expect(prefs.comments.sms).toBe(true);
  });

  it("set takes no changes and answers the current preferences", async () => {
    expect(await notify.preferences.set("nothing", {})).toEqual(await notify.preferences.get("nothing"));
  });

  it("reset refuses an unknown category", async () => {
    const error = await rejection(notify.preferences.reset("u_1", "billing" as never));
    expect(error.message).toContain('unknown category "billing". Categories: comments, security');
  });

  it("a channel without preferences says how to declare them, and publishes to everyone", async () => {
    const sb = createSwitchboard(options);
    const plain = sb.createChannel({ name: "plain", schema, subscribers });
    const error = await rejection(plain.preferences.get("u_1"));
    expect(error.message).toContain('channel "plain" has no preferences: declare them in createChannel');
    const sent = await plain.publish({ userId: "u_1", kind: "anything", title: "t" });
    expect(Object.keys(sent)).toEqual(["email", "sms", "inApp"]);
    expect(skippedSubscribers(sent)).toEqual({});
  });
});

describe("publish with preferences", () => {
  it("sends no message to a subscriber the recipient muted, and says why it skipped each", async () => {
    const notify = channel();
    await notify.preferences.set("u_1", { comments: { email: false } });
    const sent = await notify.publish({ userId: "u_1", kind: "comments", title: "t" });
    // email muted by the recipient, sms off by the category's default: one message, for inApp.
    expect(qstash.requestCount()).toBe(1);
    expect(destinations()).toEqual(["inApp"]);
    expect(Object.keys(sent)).toEqual(["inApp"]);
    expect(JSON.parse(JSON.stringify(sent))).toEqual({ inApp: sent.inApp });
    expect(skippedSubscribers(sent)).toEqual({
      email: { reason: "muted", recipient: "u_1", category: "comments" },
      sms: { reason: "off-by-default", recipient: "u_1", category: "comments" },
    });
  });

  it("applies `only` first, and lists only selected subscribers as skipped", async () => {
    const notify = channel();
    await notify.preferences.set("u_2", { comments: { email: false } });
    const sent = await notify.publish(
      { userId: "u_2", kind: "comments", title: "t" },
      { only: ["email", "inApp"] },
    );
    expect(destinations()).toEqual(["inApp"]);
    expect(Object.keys(skippedSubscribers(sent))).toEqual(["email"]);
  });

  it("calls QStash not at all when every selected subscriber is muted", async () => {
    const notify = channel();
    await notify.preferences.set("u_3", { comments: { email: false, inApp: false } });
    const sent = await notify.publish({ userId: "u_3", kind: "comments", title: "t" });
    expect(qstash.requestCount()).toBe(0);
    expect(sent).toEqual({});
    expect(Object.keys(skippedSubscribers(sent))).toEqual(["email", "sms", "inApp"]);
  });

  it("delivers a critical category to every subscriber despite a stored mute", async () => {
    const sb = createSwitchboard(options);
    const notify = channel(sb);
    // Another channel of the same app, where "security" is not critical, stored a mute under the
    // same category and subscriber names (preferences belong to the recipient, shared by name).
    const other = sb.createChannel({
      name: "other",
      schema,
      subscribers,
      preferences: { recipient: (e) => e.userId, category: "security", categories: { security: {} } },
    });
    await other.preferences.set("u_4", { security: { email: false, sms: false } });
    expect((await other.preferences.get("u_4")).security.email).toBe(false);
    expect((await notify.preferences.get("u_4")).security).toEqual({ email: true, sms: true, inApp: true });
    const sent = await notify.publish({ userId: "u_4", kind: "security", title: "New sign-in" });
    expect(destinations()).toEqual(["email", "sms", "inApp"]);
    expect(skippedSubscribers(sent)).toEqual({});
  });

  it("refuses an event whose category is not declared, naming the categories, and sends nothing", async () => {
    const error = await rejection(channel().publish({ userId: "u_1", kind: "billing", title: "t" }));
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.message).toContain(
      'the event\'s category "billing" is not declared. Categories: comments, security',
    );
    expect(error.message).toContain("Nothing was published");
    expect(qstash.requestCount()).toBe(0);
  });

  it.each([
    ["an empty recipient", { userId: "" }, "returned a recipient that must not be empty"],
    ["a control character", { userId: "u\r\n" }, "control characters"],
    ["a __proto__ category", { kind: "__proto__" }, 'category "__proto__" is not declared'],
    ["a toString category", { kind: "toString" }, 'category "toString" is not declared'],
  ])("refuses an event with %s and sends nothing", async (_what, patch, message) => {
    const error = await rejection(
      channel().publish({ userId: "u_1", kind: "comments", title: "t", ...patch }),
    );
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.message).toContain(message);
    expect(qstash.requestCount()).toBe(0);
  });

  it("refuses an event when the recipient or category function throws or returns no string", async () => {
    const sb = createSwitchboard(options);
    const throwing = sb.createChannel({
      name: "throwing",
      schema,
      subscribers,
      preferences: {
        recipient: () => {
          throw new Error("no user on this event");
        },
        category: "comments",
        categories,
      },
    });
    const error = await rejection(throwing.publish({ userId: "u", kind: "comments", title: "t" }));
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.message).toContain("preferences.recipient(event) threw: no user on this event");
    const numeric = sb.createChannel({
      name: "numeric",
      schema,
      subscribers,
      preferences: { recipient: () => 7 as never, category: () => 7 as never, categories },
    });
    expect(
      (await rejection(numeric.publish({ userId: "u", kind: "comments", title: "t" }))).message,
    ).toContain("must be a string (a user id), got number");
    expect(qstash.requestCount()).toBe(0);
  });

  it("fails with REDIS_FAILED and sends nothing when the preferences cannot be read", async () => {
    const down: RedisDriver = {
      client: "ioredis",
      eval: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:6390");
      },
    };
    const notify = channel(createSwitchboard({ ...options, redis: down }));
    const error = await rejection(notify.publish({ userId: "u_1", kind: "comments", title: "t" }));
    expect(error.code).toBe("REDIS_FAILED");
    expect(error.status).toBe(503);
    expect(error.message).toContain(
      'channel "notify": publish could not read the preferences of "u_1": Redis (ioredis) failed: connect ECONNREFUSED 127.0.0.1:6390. Nothing was published',
    );
    expect(qstash.requestCount()).toBe(0);
    const setError = await rejection(notify.preferences.set("u_1", { comments: { sms: true } }));
    expect(setError.code).toBe("REDIS_FAILED");
    expect(setError.message).toContain("call set again");
    // A critical event needs no preferences: it is sent without asking Redis.
    await notify.publish({ userId: "u_1", kind: "security", title: "t" });
    expect(destinations()).toEqual(["email", "sms", "inApp"]);
  });

  it("skippedSubscribers refuses anything publish did not return", async () => {
    const sent = await channel().publish({ userId: "u_1", kind: "comments", title: "t" });
    expect(refusal(() => skippedSubscribers({ ...sent })).message).toContain(
      "pass the object channel.publish returned",
    );
    expect(refusal(() => skippedSubscribers(null as never)).code).toBe("INVALID_OPTIONS");
  });
});
