import { type FeedStore, memoryFeedStore } from "@switchboard/sse";

/** One delivery attempt as the deliveries panel shows it. */
export interface DeliveryRecord {
  id: number;
  at: number;
  subscriber: "email" | "sms" | "inApp";
  title: string;
  attempt: number;
  /**
   * `failed` will be retried; `failed-last` was the last attempt (the dead letter follows);
   * `skipped`: the recipient's preferences turned this subscriber off, so nothing was sent.
   */
  outcome: "delivered" | "failed" | "failed-last" | "dead-letter" | "skipped";
  /** How many events this record stands for: a digest email carries several, a skip may cover a burst. */
  events: number;
  detail: string;
}

/** Running totals of one subscriber since the app started. */
export interface DeliveryTotals {
  attempts: number;
  delivered: number;
  failed: number;
  deadLetters: number;
  /** Events this subscriber was not sent because the recipient turned it off. */
  skipped: number;
}

type Subscriber = DeliveryRecord["subscriber"];

/** Whether each simulated provider is broken, switched from the page. */
export interface ProviderSwitches {
  email: boolean;
  sms: boolean;
}

interface DemoState {
  deliveries: DeliveryRecord[];
  totals: Record<Subscriber, DeliveryTotals>;
  nextDeliveryId: number;
  failing: ProviderSwitches;
  feedStore: FeedStore;
  /**
   * The feed streams open right now, per recipient: counted by the feed route as each stream
   * starts and ends, so the page (and the browser test) can see that two tabs share one.
   */
  openStreams: Record<string, number>;
}

function emptyTotals(): DeliveryTotals {
  return { attempts: 0, delivered: 0, failed: 0, deadLetters: 0, skipped: 0 };
}

const key = Symbol.for("switchboard.next-notify.state");
const holder = globalThis as typeof globalThis & { [key]?: DemoState };

/**
 * Demo state shared by every route of this process. Next.js may bundle route modules separately,
 * so module-level variables are not enough: the state lives on `globalThis`.
 */
if (!holder[key]) {
  holder[key] = {
    deliveries: [],
    totals: { email: emptyTotals(), sms: emptyTotals(), inApp: emptyTotals() },
    nextDeliveryId: 1,
    failing: { email: false, sms: false },
    feedStore: memoryFeedStore(),
    openStreams: {},
  };
}
export const demoState: DemoState = holder[key];

/** Records one delivery attempt (newest first, the last 200 kept) and counts it. */
export function recordDelivery(
  input: Omit<DeliveryRecord, "id" | "at" | "events"> & { events?: number },
): void {
  const record = { ...input, events: input.events ?? 1 };
  const totals = demoState.totals[record.subscriber];
  if (record.outcome === "skipped") totals.skipped += record.events;
  else if (record.outcome === "dead-letter") totals.deadLetters++;
  else totals.attempts++;
  if (record.outcome === "delivered") totals.delivered++;
  if (record.outcome === "failed" || record.outcome === "failed-last") totals.failed++;
  demoState.deliveries.unshift({ ...record, id: demoState.nextDeliveryId++, at: Date.now() });
  demoState.deliveries.length = Math.min(demoState.deliveries.length, 200);
}
