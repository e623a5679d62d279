import { type Clock, systemClock } from "../clock";

/** What leader election needs of the Web Locks API (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** What leader election and the shared stream need of a `BroadcastChannel`. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** Options for {@link electLeader}. */
export interface ElectLeaderOptions {
  /** One leader per name (per origin): the lock's or the channel's name. */
  name: string;
  /**
   * Runs in the tab that becomes leader; returns what ends its leadership (closing the stream).
   * May run again after an end, when this tab is elected again.
   */
  lead: () => () => void;
  /** The Web Locks API; used when present. @default globalThis.navigator?.locks */
  locks?: LockManagerLike | undefined;
  /**
   * Without Web Locks: a channel to the other tabs for heartbeats (a `BroadcastChannel` named
   * after `name`). Without either, this tab leads alone.
   */
  channel?: ChannelLike | undefined;
  /** Heartbeat period without Web Locks; a leader silent for 3 periods is replaced. @default 1000 */
  heartbeatMs?: number;
  /** Timers of the heartbeats. @default systemClock */
  clock?: Clock;
  /** This tab's id in the heartbeat election (the lowest id wins a tie). @default random */
  id?: string;
}

/**
 * Elects one leader among the tabs of a browser that call it with the same `name`, and runs
 * `lead` there; when that tab leaves (closes, navigates, calls the returned function), another
 * one is elected and runs `lead`.
 *
 * With the Web Locks API (every current browser) the leader is the holder of a lock the browser
 * releases when the tab goes away. Without it, tabs send heartbeats over `channel`: a leader
 * silent for three periods is replaced, a leader that resigns (or whose tab is hidden for good,
 * `pagehide`) says so and is replaced at once, and of two leaders the one with the higher id
 * steps down. Without a channel either, this tab leads alone. Returns a function that leaves the
 * election (ending this tab's leadership).
 *
 * @example
 * ```ts
 * const leave = electLeader({ name: "feed:/api/feed", lead: () => openStream() });
 * ```
 */
export function electLeader(options: ElectLeaderOptions): () => void {
  const locks = "locks" in options ? options.locks : globalLocks();
  if (locks) return electWithLocks(locks, options);
  if (options.channel) return electWithHeartbeats(options.channel, options);
  const end = options.lead();
  return end;
}

/** `navigator.locks`, when this runtime has it. */
export function globalLocks(): LockManagerLike | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return typeof navigator?.locks?.request === "function" ? navigator.locks : undefined;
}

function electWithLocks(locks: LockManagerLike, options: ElectLeaderOptions): () => void {
  const abort = new AbortController();
  let release = () => {};
  let end: (() => void) | undefined;
  let left = false;
  locks
    .request(
      options.name,
      { signal: abort.signal },
      () =>
        new Promise<void>((resolve) => {
          if (left) return resolve();
          release = resolve;
          end = options.lead();
        }),
    )
    .catch(() => {}); // aborted while waiting: we left before being elected
  return () => {
    if (left) return;
    left = true;
    abort.abort();
    end?.();
    release();
  };
}

interface Heartbeat {
  election: "switchboard-feed";
  kind: "heartbeat" | "resign" | "probe";
  id: string;
}

function isHeartbeat(value: unknown): value is Heartbeat {
  const message = value as Partial<Heartbeat> | null;
  return (
    typeof message === "object" &&
    message !== null &&
    message.election === "switchboard-feed" &&
    (message.kind === "heartbeat" || message.kind === "resign" || message.kind === "probe") &&
    typeof message.id === "string"
  );
}

function electWithHeartbeats(channel: ChannelLike, options: ElectLeaderOptions): () => void {
  const clock = options.clock ?? systemClock;
  const period = options.heartbeatMs ?? 1000;
  const id = options.id ?? Math.random().toString(36).slice(2);
  let end: (() => void) | undefined;
  /** Periods since a leader was last heard; a probe unanswered for one period elects us. */
  let silent = 2;
  const send = (kind: Heartbeat["kind"]) =>
    channel.postMessage({ election: "switchboard-feed", kind, id } satisfies Heartbeat);
  const become = () => {
    if (end) return;
    end = options.lead();
    send("heartbeat");
  };
  const stepDown = () => {
    const stop = end;
    end = undefined;
    stop?.();
  };
  const onMessage = (event: MessageEvent) => {
    const message: unknown = event.data;
    if (!isHeartbeat(message) || message.id === id) return;
    if (message.kind === "probe") {
      if (end) send("heartbeat");
    } else if (message.kind === "resign") {
      become(); // at once; of several tabs doing this, the lowest id stays
    } else {
      silent = 0;
      if (end && message.id < id) stepDown();
    }
  };
  const tick = clock.setInterval(() => {
    if (end) return send("heartbeat");
    silent++;
    if (silent >= 3) become();
  }, period);
  channel.addEventListener("message", onMessage);
  send("probe");
  // A tab going away (or into the back-forward cache) hands over at once rather than in 3 periods.
  const onPageHide = () => {
    if (!end) return;
    stepDown();
    send("resign");
    silent = 0;
  };
  const page = globalThis as Partial<Pick<Window, "addEventListener" | "removeEventListener">>;
  if (typeof page.addEventListener === "function") page.addEventListener("pagehide", onPageHide);
  const leave = () => {
    clock.clearInterval(tick);
    channel.removeEventListener("message", onMessage);
    if (typeof page.removeEventListener === "function") page.removeEventListener("pagehide", onPageHide);
    onPageHide();
  };
  return leave;
}
