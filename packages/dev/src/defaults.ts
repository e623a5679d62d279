/**
 * QStash's documented local-development user. Apps set up for QStash's own dev server already use
 * these values, so they work against `switchboard dev` unchanged.
 */
export const DEFAULT_TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";

/** The signing keys of QStash's local-development user. */
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
