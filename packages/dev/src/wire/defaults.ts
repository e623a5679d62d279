import { DEV_USER } from "@switchboard/wire";

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
export const DEFAULT_TOKEN = DEV_USER.qstashToken;

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
export const DEFAULT_SIGNING_KEYS = DEV_USER.signingKeys;

/** How long QStash remembers a deduplication id. */
export const DEDUP_WINDOW_MS = 10 * 60 * 1000;
