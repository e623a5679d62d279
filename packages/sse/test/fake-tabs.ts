import type { ChannelLike, LockManagerLike } from "../src/react/tab-leader";

/**
 * Browser tabs in one process, for tests of what tabs share: `BroadcastChannel`s that deliver
 * (a structured clone) to every other open channel of the same name, never to the sender, only
 * when the test calls `flush()`; and a Web Locks `request` that grants a lock to one holder at a
 * time, in request order. `crash(channel)` silences a channel as a tab that died would be.
 * Test-only: the real APIs run in the browser test.
 */
export function fakeTabs() {
  const channels = new Set<FakeChannel>();
  const queue: Array<() => void> = [];
  const dead = new Set<FakeChannel>();

  class FakeChannel implements ChannelLike {
    closed = false;
    readonly #target = new EventTarget();
    constructor(readonly name: string) {
      channels.add(this);
    }
    dispatchEvent(event: Event): void {
      this.#target.dispatchEvent(event);
    }
    postMessage(message: unknown): void {
      if (this.closed) throw new Error(`postMessage on the closed channel ${this.name}`);
      if (dead.has(this)) return;
      const copy = structuredClone(message);
      for (const other of channels) {
        if (other === this || other.name !== this.name) continue;
        queue.push(() => {
          if (!other.closed && !dead.has(other))
            other.dispatchEvent(new MessageEvent("message", { data: copy }));
        });
      }
    }
    addEventListener(type: "message", listener: (event: MessageEvent) => void): void {
      this.#target.addEventListener(type, listener as EventListener);
    }
    removeEventListener(type: "message", listener: (event: MessageEvent) => void): void {
      this.#target.removeEventListener(type, listener as EventListener);
    }
    close(): void {
      this.closed = true;
      channels.delete(this);
    }
  }

  const held = new Set<string>();
  const waiting = new Map<string, Array<() => void>>();
  const release = (name: string) => {
    held.delete(name);
    const next = waiting.get(name)?.shift();
    next?.();
  };
  const locks: LockManagerLike = {
    request(name, { signal }, callback) {
      return new Promise((resolve, reject) => {
        const run = () => {
          held.add(name);
          callback()
            .then(resolve, reject)
            .finally(() => release(name));
        };
        if (!held.has(name)) return run();
        const list = waiting.get(name) ?? [];
        waiting.set(name, list);
        list.push(run);
        signal?.addEventListener("abort", () => {
          const at = list.indexOf(run);
          if (at === -1) return;
          list.splice(at, 1);
          reject(new DOMException("The request was aborted.", "AbortError"));
        });
      });
    },
  };

  return {
    BroadcastChannel: FakeChannel as new (name: string) => FakeChannel,
    locks,
    /** Open channels (not closed), by name. */
    open: (name: string) => [...channels].filter((c) => c.name === name).length,
    crash: (channel: ChannelLike) => void dead.add(channel as FakeChannel),
    /** Delivers every message posted, and those their handlers post, until none is left. */
    async flush() {
      for (let round = 0; round < 1000; round++) {
        await new Promise((resolve) => setImmediate(resolve));
        if (queue.length === 0) return;
        for (const deliver of queue.splice(0)) deliver();
      }
      throw new Error("fakeTabs.flush: messages keep coming (a loop between tabs?)");
    },
  };
}
