import { type FeedStore, memoryFeedStore } from "@switchboard/sse";

/** One delivery attempt as the deliveries panel shows it. */
export interface DeliveryRecord {
  id: number;
  at: number;
  subscriber: "email" | "sms" | "inApp";
  title: string;
  attempt: number;
  /** `failed` will be retried; `failed-last` was the last attempt (the dead letter follows). */
  outcome: "delivered" | "failed" | "failed-last" | "dead-letter";
  detail: string;
}

/** Whether each simulated provider is broken, switched from the page. */
export interface ProviderSwitches {
  email: boolean;
  sms: boolean;
}

interface DemoState {
  deliveries: DeliveryRecord[];
  nextDeliveryId: number;
  failing: ProviderSwitches;
  feedStore: FeedStore;
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
    nextDeliveryId: 1,
    failing: { email: false, sms: false },
    feedStore: memoryFeedStore(),
  };
}
export const demoState: DemoState = holder[key];

/** Records one delivery attempt (newest first, the last 200 kept). */
export function recordDelivery(record: Omit<DeliveryRecord, "id" | "at">): void {
  demoState.deliveries.unshift({ ...record, id: demoState.nextDeliveryId++, at: Date.now() });
  demoState.deliveries.length = Math.min(demoState.deliveries.length, 200);
}
