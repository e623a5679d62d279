/**
 * QStash's documented local-development user. Apps set up for QStash's own dev server already use
 * these values, so they work against `switchboard dev` unchanged.
 *
 * @example
 * ```ts
 * import { DEFAULT_TOKEN } from "@switchboard/dev";
 *
 * const client = new Client({ baseUrl: "http://127.0.0.1:8080", token: DEFAULT_TOKEN });
 * ```
 */
export const DEFAULT_TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";

/**
 * The signing keys of QStash's local-development user, in the shape `createSwitchboard` takes.
 *
 * @example
 * ```ts
 * import { DEFAULT_SIGNING_KEYS } from "@switchboard/dev";
 *
 * const receiver = new Receiver({
 *   currentSigningKey: DEFAULT_SIGNING_KEYS.current,
 *   nextSigningKey: DEFAULT_SIGNING_KEYS.next,
 * });
 * ```
 */
export const DEFAULT_SIGNING_KEYS = {
  current: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
  next: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
} as const;

/** QStash's default number of retries. */
export const DEFAULT_RETRIES = 3;

/** How long QStash remembers a deduplication id. */
export const DEDUP_WINDOW_MS = 10 * 60 * 1000;

/** The longest any wait may be (QStash caps backoff and Retry-After at one day). */
export const MAX_WAIT_SECONDS = 86_400;
