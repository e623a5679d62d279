import type { DevEvent, StoredMessage } from "../store/model";

const STATES: readonly DevEvent["state"][] = [
  "CREATED",
  "ACTIVE",
  "DELIVERED",
  "ERROR",
  "RETRY",
  "FAILED",
  "CANCELED",
];
const STATE_CODES = new Map(STATES.map((state, code) => [state, code]));

/**
 * The last `capacity` events (`GET /v2/events`, the dashboard), oldest first. Kept in columns of a
 * ring (the message, time, state, status, error and next delivery time of each event), so logging
 * an event allocates nothing: three events per delivery, thousands of deliveries a second, would
 * otherwise be thousands of objects a second, each kept alive long enough to be copied by the
 * garbage collector. {@link EventLog.list} makes the {@link DevEvent} records when they are read.
 *
 * @example
 * ```ts
 * const log = new EventLog(10_000);
 * log.add(message, "CREATED", Date.now());
 * log.list().at(-1)?.state; // "CREATED"
 * ```
 */
export class EventLog {
  private readonly messages: (StoredMessage | undefined)[];
  private readonly times: Float64Array;
  private readonly states: Uint8Array;
  /** The answer's status; -1 for none. */
  private readonly statuses: Int32Array;
  private readonly errors: (string | undefined)[];
  /** The next delivery time of a RETRY; NaN for none. */
  private readonly nextTimes: Float64Array;
  /** Where the next event goes. */
  private head = 0;
  private count = 0;
  private seq = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`EventLog capacity must be a whole number >= 1, got ${capacity}`);
    this.messages = new Array<StoredMessage | undefined>(capacity).fill(undefined);
    this.times = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.statuses = new Int32Array(capacity);
    this.errors = new Array<string | undefined>(capacity).fill(undefined);
    this.nextTimes = new Float64Array(capacity);
  }

  /** Events kept. */
  get size(): number {
    return this.count;
  }

  /** The number of the last event logged (the events cursor), `undefined` before the first. */
  get lastSeq(): number | undefined {
    return this.seq === 0 ? undefined : this.seq;
  }

  /** Logs one event about `message`; the oldest is dropped once `capacity` are kept. */
  add(
    message: StoredMessage,
    state: DevEvent["state"],
    time: number,
    responseStatus?: number,
    error?: string,
    nextDeliveryTime?: number,
  ): void {
    const at = this.head;
    this.messages[at] = message;
    this.times[at] = time;
    this.states[at] = STATE_CODES.get(state)!;
    this.statuses[at] = responseStatus ?? -1;
    this.errors[at] = error;
    this.nextTimes[at] = nextDeliveryTime ?? Number.NaN;
    this.head = at + 1 === this.capacity ? 0 : at + 1;
    if (this.count < this.capacity) this.count++;
    this.seq++;
  }

  /** Every event kept, oldest first, as records made now (the caller may keep or change them). */
  list(): DevEvent[] {
    const out: DevEvent[] = new Array(this.count);
    const first = (this.head - this.count + this.capacity) % this.capacity;
    const firstSeq = this.seq - this.count + 1;
    for (let index = 0; index < this.count; index++) {
      const at = (first + index) % this.capacity;
      const message = this.messages[at]!;
      const status = this.statuses[at]!;
      const next = this.nextTimes[at]!;
      out[index] = {
        seq: firstSeq + index,
        time: this.times[at]!,
        messageId: message.messageId,
        state: STATES[this.states[at]!]!,
        url: message.url,
        topicName: message.topicName,
        queueName: message.queueName,
        scheduleId: message.scheduleId,
        endpointName: message.endpointName,
        label: message.label,
        flowControlKey: message.flowControlKey,
        callerIp: message.callerIp,
        header: message.header,
        body: message.body,
        redact: message.redact,
        responseStatus: status === -1 ? undefined : status,
        error: this.errors[at],
        nextDeliveryTime: Number.isNaN(next) ? undefined : next,
      };
    }
    return out;
  }
}
