import { HEADERS, signPayload } from "@switchboard/wire";
import type { StoredMessage } from "../store/model";
import { OutgoingHeaders } from "./outgoing-headers";

const SIGNATURE = HEADERS.signature.toLowerCase();
const MESSAGE_ID = HEADERS.messageId.toLowerCase();
const RETRIED = HEADERS.retried.toLowerCase();

/**
 * The headers of one delivery attempt, as QStash sends them: the message's own, then QStash's
 * (`User-Agent`, the `Upstash-Signature` over the URL and `body`, message id, retry count, caller,
 * schedule and topic). Signed with the wire format's {@link signPayload}, the one the route verifies.
 *
 * @example
 * ```ts
 * const headers = await deliveryHeaders(message, Buffer.from(message.body, "base64"), signingKey);
 * ```
 */
export async function deliveryHeaders(
  message: StoredMessage,
  body: Uint8Array,
  signingKey: string,
  now = Date.now(),
): Promise<OutgoingHeaders> {
  const headers = new OutgoingHeaders();
  for (const name of Object.keys(message.header))
    for (const v of message.header[name]!) headers.append(name, v);
  // The server's own values are valid by construction: set without the checks user values get.
  headers.setOwn("user-agent", "Upstash-QStash");
  headers.setOwn(
    SIGNATURE,
    await signPayload({ key: signingKey, url: message.url, body, issuedAt: Math.floor(now / 1000) }),
  );
  headers.setOwn(MESSAGE_ID, message.messageId);
  headers.setOwn(RETRIED, String(message.retried));
  headers.set("Upstash-Caller-Ip", message.callerIp);
  if (message.scheduleId) headers.set(HEADERS.scheduleId, message.scheduleId);
  if (message.topicName) headers.set("Upstash-Topic-Name", message.topicName);
  return headers;
}
