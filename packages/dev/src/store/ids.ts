import { randomFillSync } from "node:crypto";

/** Random bytes for 256 ids at a time: one fill per 256 ids instead of a UUID and a replace each. */
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;

/**
 * A new id in QStash's style: the prefix, an underscore and 32 random hex digits (128 bits from
 * `node:crypto`, as a UUID's would be).
 *
 * @example
 * ```ts
 * newId("msg"); // "msg_0f8e…"
 * ```
 */
export function newId(prefix: "msg" | "dlq" | "scd"): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const hex = POOL.toString("hex", offset, offset + 16);
  offset += 16;
  return `${prefix}_${hex}`;
}
