import { SwitchboardError } from "../errors/switchboard-error";
import type { PublishResult } from "../sending/channel";
import type { PublishSkipped } from "./preferences-config";

// Kept beside the result rather than on it, so `PublishResult` stays exactly the messages sent:
// `Object.keys`, JSON and equality checks of existing code see what they always saw.
const skippedOf = new WeakMap<object, PublishSkipped<string>>();

/** Remembers what preferences skipped for a result `publish` returns. Internal. */
export function recordSkipped<TSubscriber extends string>(
  result: PublishResult<TSubscriber>,
  skipped: PublishSkipped<TSubscriber>,
): PublishResult<TSubscriber> {
  skippedOf.set(result, skipped);
  return result;
}

/**
 * The subscribers a `channel.publish` sent nothing because of the recipient's preferences, and
 * why: `"muted"` (the recipient turned it off) or `"off-by-default"` (the category's default).
 * Empty when nobody was skipped (always, for a channel without preferences). Subscribers left
 * out by `only` are not listed.
 *
 * @example
 * ```ts
 * import { skippedSubscribers } from "@switchboard/core";
 *
 * const sent = await notify.publish({ userId: "u_1", kind: "comments", title: "New comment" });
 * const skipped = skippedSubscribers(sent); // { sms: { reason: "muted", recipient: "u_1", category: "comments" } }
 * if (skipped.email) console.log(`no email: ${skipped.email.reason}`);
 * ```
 */
export function skippedSubscribers<TSubscriber extends string>(
  result: PublishResult<TSubscriber>,
): PublishSkipped<TSubscriber> {
  const skipped = result !== null && typeof result === "object" ? skippedOf.get(result) : undefined;
  if (!skipped) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "skippedSubscribers: pass the object channel.publish returned (a copy, e.g. { ...sent } or one read back from JSON, does not carry it).",
    );
  }
  return { ...(skipped as PublishSkipped<TSubscriber>) };
}
