import type { StoredMessage } from "../store/model";
import { Gate } from "./gate";

/** What `GET /v2/flowControl/{key}` answers, in the shape `@upstash/qstash`'s `FlowControlInfo` has. */
export interface FlowControlInfo {
  flowControlKey: string;
  waitListSize: number;
  parallelismMax: number;
  parallelismCount: number;
  rateMax: number;
  rateCount: number;
  /** Seconds, as configured (not divided by `speed`). */
  ratePeriod: number;
  ratePeriodStart: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
}

/** A configuration pinned with `POST /v2/flowControl/{key}/pin`: it wins over what messages carry. */
export interface FlowControlPin {
  parallelism?: number | undefined;
  rate?: number | undefined;
  periodSeconds?: number | undefined;
}

interface KeyState {
  gate: Gate<StoredMessage>;
  /** The configuration the latest message carried. */
  fromMessage: FlowControlPin;
  pin: FlowControlPin;
  paused: boolean;
}

/**
 * QStash's flow control: per key, at most `parallelism` deliveries at once and `rate` starts per
 * `period`, in FIFO order. The latest message's settings win unless a setting is pinned; a paused
 * key holds its wait list. Periods are divided by `speed` like every other wait.
 */
export class FlowControl {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly speed: number,
    private readonly attempt: (message: StoredMessage) => Promise<void>,
  ) {}

  /** Queues a due message behind its key's limits. */
  enter(message: StoredMessage & { flowControlKey: string }): void {
    const state = this.state(message.flowControlKey);
    state.fromMessage = {
      parallelism: message.parallelism,
      rate: message.rate,
      periodSeconds: message.periodSeconds,
    };
    this.apply(state);
    state.gate.enter(message);
  }

  /** Drops a waiting message (a cancel). */
  remove(messageId: string): void {
    for (const { gate } of this.keys.values()) gate.remove((m) => m.messageId === messageId);
  }

  info(key: string): FlowControlInfo {
    const state = this.keys.get(key);
    if (!state) {
      return {
        flowControlKey: key,
        waitListSize: 0,
        parallelismMax: 0,
        parallelismCount: 0,
        rateMax: 0,
        rateCount: 0,
        ratePeriod: 0,
        ratePeriodStart: 0,
        isPaused: false,
        isPinnedParallelism: false,
        isPinnedRate: false,
      };
    }
    const { gate } = state;
    const window = gate.rateWindow();
    const effective = this.effective(state);
    return {
      flowControlKey: key,
      waitListSize: gate.waitingCount,
      parallelismMax: effective.parallelism ?? 0,
      parallelismCount: gate.inflight,
      rateMax: effective.rate ?? 0,
      rateCount: window.count,
      ratePeriod: effective.rate ? (effective.periodSeconds ?? 1) : 0,
      ratePeriodStart: window.start,
      isPaused: state.paused,
      isPinnedParallelism: state.pin.parallelism !== undefined,
      isPinnedRate: state.pin.rate !== undefined,
    };
  }

  list(): FlowControlInfo[] {
    return [...this.keys.keys()].map((key) => this.info(key));
  }

  /** Total deliveries in flight through flow-control keys. */
  get inflight(): number {
    let count = 0;
    for (const { gate } of this.keys.values()) count += gate.inflight;
    return count;
  }

  setPaused(key: string, paused: boolean): void {
    const state = this.state(key);
    state.paused = paused;
    this.apply(state);
  }

  pin(key: string, pin: FlowControlPin): void {
    const state = this.state(key);
    state.pin = {
      parallelism: pin.parallelism ?? state.pin.parallelism,
      rate: pin.rate ?? state.pin.rate,
      periodSeconds: pin.periodSeconds ?? state.pin.periodSeconds,
    };
    this.apply(state);
  }

  unpin(key: string, what: { parallelism: boolean; rate: boolean }): void {
    const state = this.state(key);
    if (what.parallelism) state.pin.parallelism = undefined;
    if (what.rate) state.pin = { ...state.pin, rate: undefined, periodSeconds: undefined };
    this.apply(state);
  }

  resetRate(key: string): void {
    this.keys.get(key)?.gate.resetRate();
  }

  close(): void {
    for (const { gate } of this.keys.values()) gate.close();
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      const gate: Gate<StoredMessage> = new Gate<StoredMessage>({}, (message) => {
        // `attempt` never rejects (the engine records its own faults); `finally` frees the slot either way.
        void this.attempt(message).finally(() => gate.leave());
      });
      state = { gate, fromMessage: {}, pin: {}, paused: false };
      this.keys.set(key, state);
    }
    return state;
  }

  private effective(state: KeyState): FlowControlPin {
    const { pin, fromMessage } = state;
    return {
      parallelism: pin.parallelism ?? fromMessage.parallelism,
      rate: pin.rate ?? fromMessage.rate,
      periodSeconds: pin.rate !== undefined ? (pin.periodSeconds ?? 1) : (fromMessage.periodSeconds ?? 1),
    };
  }

  private apply(state: KeyState): void {
    const { parallelism, rate, periodSeconds = 1 } = this.effective(state);
    state.gate.limits = {
      parallelism,
      rate,
      periodMs: (periodSeconds * 1000) / this.speed,
      paused: state.paused,
    };
    state.gate.pump();
  }
}
