import { demoState } from "./demo-state";

/** What a simulated provider is asked to send. */
export interface OutgoingMessage {
  to: string;
  text: string;
}

/**
 * A simulated email or SMS API: 100–400 ms of latency, and a switch on the page that makes it
 * answer 503 the way a provider outage does.
 */
export async function callProvider(
  provider: "email" | "sms",
  message: OutgoingMessage,
): Promise<{ id: string }> {
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
  if (demoState.failing[provider]) {
    throw new Error(`${provider === "sms" ? "SMS" : "Email"} provider answered 503 Service Unavailable`);
  }
  if (!message.to || !message.text) throw new Error(`${provider}: nothing to send`);
  return { id: `${provider}_${crypto.randomUUID().slice(0, 8)}` };
}
