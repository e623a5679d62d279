import { describe, expect, it } from "vitest";
import { fakeTabs } from "../../test/fake-tabs";
import { manualClock } from "../../test/manual-clock";
import { electLeader } from "./tab-leader";

/** A tab in the election: whether it leads, and how often it was elected. */
function tab(name: string, options: Omit<Parameters<typeof electLeader>[0], "name" | "lead">) {
  const state = { leading: false, elected: 0, leave: () => {} };
  state.leave = electLeader({
    name,
    ...options,
    lead: () => {
      state.leading = true;
      state.elected++;
      return () => {
        state.leading = false;
      };
    },
  });
  return state;
}

describe("electLeader with Web Locks", () => {
  it("elects one tab; when it leaves, the next one leads", async () => {
    const tabs = fakeTabs();
    const a = tab("feed", { locks: tabs.locks });
    const b = tab("feed", { locks: tabs.locks });
    const c = tab("feed", { locks: tabs.locks });
    await tabs.flush();
    expect([a.leading, b.leading, c.leading]).toEqual([true, false, false]);
    b.leave(); // a follower leaves: nothing changes, and it is never elected
    a.leave();
    await tabs.flush();
    expect([a.leading, b.leading, c.leading]).toEqual([false, false, true]);
    expect(b.elected).toBe(0);
    c.leave();
  });
});

describe("electLeader with heartbeats (no Web Locks)", () => {
  const setup = () => {
    const tabs = fakeTabs();
    const clock = manualClock();
    const join = (id: string) =>
      tab("feed", {
        locks: undefined,
        channel: new tabs.BroadcastChannel("feed#leader"),
        clock,
        id,
        heartbeatMs: 1000,
      });
    return { tabs, clock, join };
  };

  it("a lone tab leads after one unanswered period; later tabs follow its heartbeats", async () => {
    const { tabs, clock, join } = setup();
    const a = join("a");
    await tabs.flush();
    expect(a.leading).toBe(false);
    await clock.advance(1000);
    expect(a.leading).toBe(true);
    const b = join("b");
    await tabs.flush(); // b's probe is answered at once
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      await tabs.flush();
    }
    expect([a.leading, b.leading]).toEqual([true, false]);
    a.leave();
    b.leave();
  });

  it("a leader that leaves resigns: a follower takes over at once", async () => {
    const { tabs, clock, join } = setup();
    const b = join("b");
    await clock.advance(1000);
    const c = join("c");
    const a = join("a");
    await tabs.flush();
    b.leave();
    await tabs.flush();
    // Both followers claimed; the lower id stays, the other stepped down on its heartbeat.
    expect([a.leading, c.leading]).toEqual([true, false]);
    a.leave();
    c.leave();
  });

  it("a leader that dies silently is replaced after three periods", async () => {
    const { tabs, clock } = setup();
    const channelA = new tabs.BroadcastChannel("feed#leader");
    const a = tab("feed", { locks: undefined, channel: channelA, clock, id: "a", heartbeatMs: 1000 });
    await clock.advance(1000);
    const b = tab("feed", {
      locks: undefined,
      channel: new tabs.BroadcastChannel("feed#leader"),
      clock,
      id: "b",
      heartbeatMs: 1000,
    });
    await tabs.flush();
    tabs.crash(channelA);
    await clock.advance(2000);
    await tabs.flush();
    expect(b.leading).toBe(false);
    await clock.advance(1000);
    expect(b.leading).toBe(true);
    a.leave();
    b.leave();
  });

  it("without a channel or locks the tab leads alone", () => {
    const a = tab("feed", { locks: undefined });
    const b = tab("feed", { locks: undefined });
    expect([a.leading, b.leading]).toEqual([true, true]);
    a.leave();
    expect(a.leading).toBe(false);
    b.leave();
  });
});
