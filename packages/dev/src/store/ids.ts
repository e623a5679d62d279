import { randomUUID } from "node:crypto";

/**
 * A new id in QStash's style: the prefix, an underscore and 32 hex digits.
 *
 * @example
 * ```ts
 * newId("msg"); // "msg_0f8e…"
 * ```
 */
export const newId = (prefix: "msg" | "dlq" | "scd") => `${prefix}_${randomUUID().replace(/-/g, "")}`;
