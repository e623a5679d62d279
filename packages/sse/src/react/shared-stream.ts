import type { Clock } from "../clock";
import { laterEventId, readStreamEvent, type StreamEvent, type StreamStatus } from "./stream-event";
import { type ChannelLike, electLeader, globalLocks, type LockManagerLike } from "./tab-leader";

/**
 * Opens the real stream (in the leading tab): starts after `resumeAfter` (an SSE event id, or
 * nothing for "from now"), passes each decoded event with its id to `emit`, returns the close.
 */
export type ConnectStream<TData> = (
  resumeAfter: string | undefined,
  emit: (event: StreamEvent<TData>, eventId?: string) => void,
) => () => void;

/** What {@link shareStream} needs of the `BroadcastChannel` constructor. */
export type ChannelConstructor = new (name: string) => ChannelLike;

/** Options for {@link shareStream}. */
export interface ShareStreamOptions<TData> {
  /** The channel's and the lock's name: one stream per name per browser (the stream's absolute URL). */
  name: string;
  connect: ConnectStream<TData>;
  /** Every event, from this tab's stream or the leader's. */
  onEvent: (event: StreamEvent<TData>) => void;
  /**
   * Where a stream this tab opens starts when it has heard no event yet (e.g. the newest id of
   * its first page). Leadership waits for it, so a tab leads only once it knows where to start.
   */
  resumeAfter: () => Promise<string | undefined>;
  /** `false`: one stream for this tab alone. @default true */
  share?: boolean;
  /** @default globalThis.BroadcastChannel (without one, every tab has its own stream) */
  BroadcastChannel?: ChannelConstructor | undefined;
  /** @default globalThis.navigator.locks (without it, heartbeats over a second channel) */
  locks?: LockManagerLike | undefined;
  /** For the heartbeats without Web Locks. */
  clock?: Clock;
  heartbeatMs?: number;
}

interface ChannelMessage {
  feed: "switchboard-feed";
  kind: "event" | "hello" | "bye";
  event?: unknown;
  eventId?: string;
}

/**
 * One stream per browser for every tab (and every `useFeed`) with the same `name`: an elected
 * tab holds it and posts each event on a `BroadcastChannel` named `name`; the others apply them.
 * When the leader goes, the tab elected next resumes after the newest event id it heard, so the
 * server replays what came in between: nothing is missed, and replayed items are the same ids
 * (merged, not repeated). Without `BroadcastChannel` (or with `share: false`) each tab streams
 * alone. Returns the function that leaves (closing this tab's stream, if it leads).
 *
 * @example
 * ```ts
 * const leave = shareStream({ name: url, connect, onEvent: apply, resumeAfter: async () => "0" });
 * ```
 */
export function shareStream<TData>(options: ShareStreamOptions<TData>): () => void {
  const Channel = "BroadcastChannel" in options ? options.BroadcastChannel : globalChannel();
  let lastEventId: string | undefined;
  let status: StreamStatus = "connecting";
  const deliver = (event: StreamEvent<TData>, eventId?: string) => {
    lastEventId = laterEventId(lastEventId, eventId);
    if (event.type === "status") status = event.status;
    options.onEvent(event);
  };
  const lead = (emit: (event: StreamEvent<TData>, eventId?: string) => void) => {
    let stop: (() => void) | undefined;
    let ended = false;
    options.resumeAfter().then(
      (resumeAfter) => {
        if (!ended) stop = options.connect(lastEventId ?? resumeAfter, emit);
      },
      () => {
        if (!ended) stop = options.connect(lastEventId, emit);
      },
    );
    return () => {
      ended = true;
      stop?.();
    };
  };
  if (options.share === false || typeof Channel !== "function") return lead(deliver);

  const channel = new Channel(options.name);
  const post = (message: Omit<ChannelMessage, "feed">) =>
    channel.postMessage({ feed: "switchboard-feed", ...message });
  let leading = false;
  const onMessage = (message: MessageEvent) => {
    const data = message.data as Partial<ChannelMessage> | null;
    if (typeof data !== "object" || data === null || data.feed !== "switchboard-feed") return;
    if (data.kind === "hello") {
      if (leading) post({ kind: "event", event: { type: "status", status }, eventId: lastEventId });
    } else if (data.kind === "bye") {
      if (!leading) deliver({ type: "status", status: "reconnecting" });
    } else if (data.kind === "event") {
      // Also while leading: a late event of the previous leader (a `state` its stream sent
      // before it went) is not replayed by ours; items it carries are merged by id.
      const event = readStreamEvent<TData>(data.event);
      const eventId = typeof data.eventId === "string" ? data.eventId : undefined;
      if (event && !(leading && event.type === "status")) deliver(event, eventId);
    }
  };
  channel.addEventListener("message", onMessage);
  post({ kind: "hello" });
  const locks = "locks" in options ? options.locks : globalLocks();
  const election = locks ? undefined : new Channel(`${options.name}#leader`);
  const leave = electLeader({
    name: options.name,
    locks,
    channel: election,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    lead: () => {
      leading = true;
      const end = lead((event, eventId) => {
        deliver(event, eventId);
        post({ kind: "event", event, ...(eventId === undefined ? {} : { eventId }) });
      });
      return () => {
        leading = false;
        end();
        post({ kind: "bye" });
      };
    },
  });
  return () => {
    leave();
    channel.removeEventListener("message", onMessage);
    channel.close();
    election?.close();
  };
}

function globalChannel(): ChannelConstructor | undefined {
  const Channel = (globalThis as { BroadcastChannel?: ChannelConstructor }).BroadcastChannel;
  return typeof Channel === "function" ? Channel : undefined;
}
