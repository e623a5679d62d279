import { describe, expect, it } from "vitest";
import { type SubscriberConnection, type SubscriberEvents, subscriberHub } from "./redis-subscriber";

// The hub's bookkeeping, over a connection that records what it is asked. The drivers' real
// connections are tested against Redis in redis-driver.test.ts.
function recorder(failFirst = new Set<string>()) {
  const calls: string[] = [];
  let events: SubscriberEvents | undefined;
  let opened = 0;
  const open = (given: SubscriberEvents): SubscriberConnection => {
    events = given;
    opened += 1;
    return {
      subscribe: async (channel) => {
        calls.push(`subscribe ${channel}`);
        if (failFirst.delete(channel)) throw new Error(`ERR cannot subscribe ${channel}`);
      },
      unsubscribe: async (channel) => void calls.push(`unsubscribe ${channel}`),
      close: async () => void calls.push("close"),
    };
  };
  return { calls, open, events: () => events!, opened: () => opened };
}

describe("subscriberHub", () => {
  it("opens one connection, subscribes once per channel, closes with the last unsubscribe", async () => {
    const r = recorder();
    const subscribe = subscriberHub(r.open);
    const stops = [subscribe("a", () => {}), subscribe("a", () => {}), subscribe("b", () => {})];
    expect(r.opened()).toBe(1);
    stops[0]!();
    stops[2]!();
    stops[1]!();
    stops[1]!();
    await Promise.resolve();
    expect(r.calls).toEqual(["subscribe a", "subscribe b", "unsubscribe b", "close"]);
    subscribe("a", () => {})();
    expect(r.opened()).toBe(2);
  });

  it("reports a failed SUBSCRIBE and sends it again when the connection is next ready", async () => {
    const r = recorder(new Set(["a"]));
    const subscribe = subscriberHub(r.open);
    const errors: unknown[] = [];
    const messages: unknown[] = [];
    const stop = subscribe(
      "a",
      (m) => messages.push(m),
      (e) => errors.push(e),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect((errors[0] as Error).message).toBe("ERR cannot subscribe a");
    r.events().ready();
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls).toEqual(["subscribe a", "subscribe a"]);
    r.events().message("a", '{"n":1}');
    expect(messages).toEqual([{ n: 1 }]);
    r.events().ready();
    expect(r.calls).toHaveLength(2);
    stop();
  });

  it("gives a throwing listener's error to its onError, and survives a throwing onError", () => {
    const r = recorder();
    const subscribe = subscriberHub(r.open);
    const errors: unknown[] = [];
    const others: unknown[] = [];
    subscribe(
      "a",
      () => {
        throw new Error("bug");
      },
      (e) => errors.push(e),
    );
    subscribe(
      "a",
      (m) => others.push(m),
      () => {
        throw new Error("worse");
      },
    );
    expect(() => r.events().message("a", "x")).not.toThrow();
    expect(() => r.events().error(new Error("lost"))).not.toThrow();
    expect(errors.map((e) => (e as Error).message)).toEqual(["bug", "lost"]);
    expect(others).toEqual(["x"]);
  });
});
