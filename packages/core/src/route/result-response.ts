import { describeThrown } from "../errors/describe-thrown";
import { findJsonHazard } from "../json-safe";
import { logSafely } from "../log-safely";
import type { SwitchboardLogger } from "../switchboard-config";
import { type RouteAnswer, toFetchResponse } from "./route-request";

const encoder = new TextEncoder();

/**
 * The route's answer for a handler that returned: 200 with the JSON of its result, or an empty
 * 200 when it returned nothing. A result JSON cannot encode (a `BigInt`, a cycle, a `toJSON`
 * that throws, a function) is the handler's *success* all the same: answering 500 would make
 * QStash run it again (a card charged four times), so the route answers an empty 200, the same
 * as a handler that returned nothing (an `onSuccess` hook gets `result: undefined`), and logs
 * through the switchboard's logger what to change.
 */
export function resultResponse(result: unknown, owner: string, logger: SwitchboardLogger): Response {
  return toFetchResponse(resultAnswer(result, owner, logger));
}

/** The empty 200: a handler or hook that returned nothing. */
export function emptyAnswer(): RouteAnswer {
  return { status: 200, headers: {}, body: null };
}

/** {@link resultResponse} as a {@link RouteAnswer}, for the Node path that writes it without a `Response`. */
export function resultAnswer(result: unknown, owner: string, logger: SwitchboardLogger): RouteAnswer {
  if (result === undefined) return emptyAnswer();
  let text: string | undefined;
  let why: string;
  try {
    text = JSON.stringify(result);
    why = `JSON.stringify gives nothing for a ${typeof result}`;
  } catch (error) {
    why = explain(result, error);
  }
  if (text === undefined) {
    logSafely(
      logger,
      "error",
      `[switchboard] ${owner} returned a value JSON cannot encode: ${why}. The handler ran and succeeded, so it is not run again: the route answered 200 with an empty body (an onSuccess hook gets result undefined). Return JSON-safe values: a BigInt as String(n) or Number(n), no cycles, plain objects.`,
    );
    return emptyAnswer();
  }
  const bytes = encoder.encode(text);
  return {
    status: 200,
    headers: { "Content-Type": "application/json", "Content-Length": String(bytes.byteLength) },
    body: bytes,
  };
}

/** The error JSON.stringify threw, with the field to change when it is a BigInt or a cycle. */
function explain(result: unknown, error: unknown): string {
  const thrown = describeThrown(error);
  try {
    const hazard = findJsonHazard(result, "result");
    if (hazard && /BigInt|refers back/.test(hazard.message)) return `${hazard.message} (${thrown})`;
  } catch {
    // A result too deep to walk: the stringify error says enough.
  }
  return thrown;
}
