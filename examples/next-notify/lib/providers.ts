import { demoState } from "./demo-state";

/** A simulated email or SMS API: realistic latency, and a switch on the page to make it fail. */
export async function callProvider(
  provider: "email" | "sms",
  to: string,
  text: string,
): Promise<{ id: string }> {
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
  if (demoState.failing[provider]) {
    throw new Error(`${provider === "sms" ? "SMS" : "Email"} provider answered 503 Service Unavailable`);
  }
  return { id: `${provider}_${Date.now().toString(36)}_${to.length}${text.length}` };
}
