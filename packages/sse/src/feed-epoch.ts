/**
 * A fresh feed epoch: 10 random base-36 characters. A recipient's feed gets one when it is
 * created, and a new one when it is created again after it expired or was deleted, so a
 * `Last-Event-ID` from the old feed (`<epoch>:<id>`) is never taken for an id of the new one.
 */
export function newEpoch(): string {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  return `${(high % 36 ** 5).toString(36).padStart(5, "0")}${(low % 36 ** 5).toString(36).padStart(5, "0")}`;
}

/** What an epoch looks like on the wire: what `Last-Event-ID` parsing accepts. */
export const EPOCH_PATTERN = /^[0-9a-z]{1,16}$/;
