import { decodeCallbackBody, WireError } from "@switchboard/wire";
import type { DeliveryFailure } from "../context";
import { SwitchboardError } from "../errors/switchboard-error";

/** A success or failure callback, read into what its hook receives. */
export interface HookDelivery {
  /** The original payload, parsed from JSON but not yet validated. */
  payload: unknown;
  messageId: string;
  /** The handler's result: its JSON answer, else its text, `undefined` when it answered nothing. */
  result: unknown;
  failure: DeliveryFailure;
}

const decoder = new TextDecoder();

/**
 * Reads QStash's callback body (decoded by the wire format) into hook arguments. A body without a
 * base64 JSON `sourceBody` is `INVALID_PAYLOAD`: there is no payload to run the hook on.
 */
export function readCallback(json: unknown, owner: string): HookDelivery {
  let callback: ReturnType<typeof decodeCallbackBody>;
  try {
    callback = decodeCallbackBody(json);
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    throw notCallback(
      `${owner}: not a QStash callback body (no sourceBody).`,
      "Expected QStash's base64 sourceBody",
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(callback.sourceBody));
  } catch {
    throw notCallback(
      `${owner}: the callback's sourceBody is not base64 JSON.`,
      "Expected base64 of the original JSON payload",
    );
  }
  const responseJson = tryJson(callback.responseText);
  // The route's own error shape: `{ error: { message } }`.
  const errorMessage = (responseJson as { error?: { message?: unknown } } | undefined)?.error?.message;
  return {
    payload,
    messageId: callback.sourceMessageId,
    result: callback.responseText === "" ? undefined : (responseJson ?? callback.responseText),
    failure: {
      status: callback.status,
      message: typeof errorMessage === "string" ? errorMessage : callback.responseText,
      body: callback.responseText,
      retried: callback.retried,
      maxRetries: callback.maxRetries,
      dlqId: callback.dlqId,
    },
  };
}

function notCallback(message: string, issue: string): SwitchboardError {
  return new SwitchboardError("INVALID_PAYLOAD", message, {
    issues: [{ path: "sourceBody", message: issue }],
  });
}

function tryJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
