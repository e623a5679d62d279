import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "./create-switchboard";
import { findJsonHazard, type JsonWalk } from "./json-safe";
import { mockQStash } from "./testing/mock-qstash";

const qstash = mockQStash({ baseUrl: "https://qstash.test" });
const server = setupServer(...qstash.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => qstash.reset());
afterAll(() => server.close());

const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t", baseUrl: "https://qstash.test" },
});
const loose = sb.createJob({ name: "loose", schema: z.any(), handler: () => {} });

class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return `${this.cents / 100} EUR`;
  }
}

describe("payloads that would not survive JSON are refused at dispatch, naming the field", () => {
  it.each([
    [
      { createdAt: new Date(0) },
      /payload\.createdAt is a Date: JSON turns it into a string, so z\.date\(\) fails at delivery; send \.toISOString\(\) and use z\.coerce\.date\(\) or z\.iso\.datetime\(\)/,
    ],
    [{ tags: new Set(["a"]) }, /payload\.tags is a Set: JSON turns it into \{\}/],
    [{ byId: new Map() }, /payload\.byId is a Map/],
    [{ n: 10n }, /payload\.n is a BigInt/],
    [{ list: [1, undefined] }, /payload\.list\[1\] is undefined: JSON turns it into null/],
    [{ cb: () => 1 }, /payload\.cb is a function: JSON drops it/],
    [{ s: Symbol("x") }, /payload\.s is a symbol/],
    [{ ratio: Number.NaN }, /payload\.ratio is NaN: JSON turns it into null/],
    [{ deep: { items: [{ at: Number.POSITIVE_INFINITY }] } }, /payload\.deep\.items\[0\]\.at is Infinity/],
    [{ "x-y": new Date(0) }, /payload\["x-y"\] is a Date/],
  ])("%o", async (payload, message) => {
    const error = await loose.dispatch(payload).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INVALID_PAYLOAD" });
    expect((error as Error).message).toMatch(message);
    expect(qstash.requestCount()).toBe(0);
  });

  it("reports the path in issues, like a schema issue", () => {
    expect(findJsonHazard({ a: [{ b: new Date(0) }] })).toMatchObject({
      path: "payload.a[0].b",
      issuePath: "a.0.b",
    });
  });

  it("walks class instances, null-prototype objects and array subclasses like plain values", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: unknown,
      ) {}
    }
    class List extends Array<unknown> {}
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { ok: 1, bad: Number.NaN });
    expect(findJsonHazard({ p: new Point(1, new Date(0)) })?.path).toBe("payload.p.y");
    expect(findJsonHazard({ p: new Point(1, 2) })).toBeUndefined();
    expect(findJsonHazard({ bare })?.path).toBe("payload.bare.bad");
    expect(findJsonHazard(List.from([1, Number.POSITIVE_INFINITY]))?.path).toBe("payload[1]");
    // An own toJSON is taken as it says, on an array as on an object.
    expect(findJsonHazard(Object.assign([new Date(0)], { toJSON: () => [] }))).toBeUndefined();
    expect(findJsonHazard({ toJSON: () => 1, at: new Date(0) })).toBeUndefined();
  });

  it("finds a cycle through an array, and allows the same object twice side by side", () => {
    const list: unknown[] = [1];
    list.push({ back: list });
    expect(findJsonHazard({ list })?.message).toMatch(/payload\.list\[1\]\.back refers back/);
    const shared = { n: 1 };
    expect(findJsonHazard({ a: shared, b: [shared, shared] })).toBeUndefined();
  });

  it("keeps its place when a toJSON getter walks another value, or a getter throws", () => {
    const outer = {
      first: {
        get toJSON() {
          expect(findJsonHazard({ deep: { at: new Date(0) } })?.path).toBe("payload.deep.at");
          return undefined;
        },
      },
      second: { self: undefined as unknown },
    };
    outer.second.self = outer;
    expect(findJsonHazard(outer)?.path).toBe("payload.second.self");
    const throwing = {
      get boom(): unknown {
        throw new Error("boom");
      },
    };
    expect(() => findJsonHazard({ throwing })).toThrow("boom");
    expect(findJsonHazard({ a: [1, { b: 2 }] })).toBeUndefined();
  });

  it("says whether JSON gives the value back unchanged", () => {
    const exactOf = (value: unknown) => {
      const walk: JsonWalk = { exact: false };
      expect(findJsonHazard(value, "payload", walk)).toBeUndefined();
      return walk.exact;
    };
    const plain = [{ a: 1, b: "x", c: null, d: [true, { e: 0.5 }], "\ud800": "\udfff" }, "text", 0, []];
    for (const value of plain) {
      expect(exactOf(value)).toBe(true);
      expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
    }
    class Point {
      x = 1;
    }
    class List extends Array {}
    const changed = [
      { a: undefined },
      { n: -0 },
      [-0],
      { p: new Point() },
      List.from([1]),
      { m: new Money(1) },
    ];
    changed.push(Object.assign(Object.create(null), { a: [] }));
    for (const value of changed) expect(exactOf(value)).toBe(false);
    // A walk inside a toJSON getter has its own answer and leaves the outer one as it was.
    const walksInside = (inner: unknown, innerExact: boolean) =>
      Object.defineProperty({}, "toJSON", {
        get() {
          expect(exactOf(inner)).toBe(innerExact);
          return undefined;
        },
      });
    expect(exactOf({ first: { n: -0 }, second: walksInside({ plain: 1 }, true) })).toBe(false);
    expect(exactOf({ first: walksInside({ n: -0 }, false), second: 1 })).toBe(true);
  });

  it("finds a cycle instead of overflowing", () => {
    const node: Record<string, unknown> = { name: "a" };
    node.self = node;
    expect(findJsonHazard(node)?.message).toMatch(/payload\.self refers back/);
  });

  it("names nested and quoted keys, and finds nothing in plain JSON or instances with toJSON", () => {
    expect(findJsonHazard({ a: { "x-y": [1, { b: Number.NaN }] } })).toMatchObject({
      path: 'payload.a["x-y"][1].b',
      issuePath: "a.x-y.1.b",
    });
    expect(findJsonHazard([undefined])?.path).toBe("payload[0]");
    expect(findJsonHazard(undefined)?.path).toBe("payload");
    expect(
      findJsonHazard({ a: 1, b: "x", c: null, d: [true, { e: undefined }], price: new Money(1) }),
    ).toBeUndefined();
  });

  it("accepts plain JSON, undefined object fields, and class instances with toJSON", async () => {
    await loose.dispatch({ a: 1, b: "x", c: null, d: [true, { e: undefined }], price: new Money(500) });
    expect(qstash.messages[0]?.body).toEqual({ a: 1, b: "x", c: null, d: [true, {}], price: "5 EUR" });
  });

  it("checks dispatchMany, schedule and channel publish too", async () => {
    await expect(loose.dispatchMany([{ ok: 1 }, { at: new Date(0) }])).rejects.toThrow(
      /payload #1: .*payload\.at is a Date/,
    );
    await expect(
      loose.schedule({ id: "daily", cron: "0 9 * * *", payload: { at: new Date(0) } }),
    ).rejects.toThrow(/payload\.at is a Date/);
    const channel = sb.createChannel({ name: "c", schema: z.any(), subscribers: { a: () => {} } });
    await expect(channel.publish({ ids: new Set([1]) })).rejects.toThrow(/payload\.ids is a Set/);
    expect(qstash.requestCount()).toBe(0);
  });
});

describe("the schema is checked against what the handler will receive", () => {
  it("a z.date() field is refused at dispatch, not dead-lettered at delivery", async () => {
    const job = sb.createJob({ name: "dated", schema: z.object({ at: z.date() }), handler: () => {} });
    await expect(job.dispatch({ at: new Date(0) })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(job.dispatch({ at: new Date(0).toISOString() } as never)).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
    });
    expect(qstash.requestCount()).toBe(0);
  });

  it("dispatchMany checks what JSON delivers whenever JSON changes the payload", async () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const cases: [string, z.ZodType, unknown][] = [
      ["a toJSON instance", z.object({ price: z.string() }), { price: new Money(1) }],
      ["an undefined field", z.strictObject({ a: z.number() }), { a: 1, b: undefined }],
      ["-0", z.object({ n: z.number().refine((n) => !Object.is(n, -0)) }), { n: -0 }],
      [
        "a class instance",
        z.object({ p: z.custom((v) => Object.getPrototypeOf(v) === Object.prototype) }),
        { p: new Point(1) },
      ],
    ];
    for (const [what, schema, payload] of cases) {
      // Each schema refuses the payload as given and accepts what JSON turns it into.
      expect(schema.safeParse(payload).success, what).toBe(false);
      expect(schema.safeParse(JSON.parse(JSON.stringify(payload))).success, what).toBe(true);
      const job = sb.createJob({ name: "many-json", schema, handler: () => {} });
      await expect(job.dispatchMany([payload, payload]), what).resolves.toHaveLength(2);
    }
    const strict = sb.createJob({
      name: "strict",
      schema: z.strictObject({ a: z.number() }),
      handler: () => {},
    });
    await expect(strict.dispatchMany([{ a: 1 }, { a: 1, extra: true } as never])).rejects.toThrow(
      /payload #1/,
    );
  });

  it("an instance that turns into a string is checked as that string", async () => {
    const priced = sb.createJob({
      name: "priced",
      schema: z.object({ price: z.instanceof(Money) }),
      handler: () => {},
    });
    await expect(priced.dispatch({ price: new Money(1) })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    const asText = sb.createJob({
      name: "as-text",
      schema: z.object({ price: z.string() }),
      handler: () => {},
    });
    await asText.dispatch({ price: new Money(1) as never });
    expect(qstash.messages[0]?.body).toEqual({ price: "0.01 EUR" });
  });
});
