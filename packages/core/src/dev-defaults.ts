import { DEV_USER } from "@switchboard/wire";

/**
 * What `SWITCHBOARD_DEV=1` (or `createSwitchboard({ dev: true })`) fills in for every setting you
 * leave unset: QStash's documented local-development user, the address `switchboard dev` listens
 * on, and the route of a Next.js app on its default port. The one definition; the dev server uses
 * the same values, so an app and `switchboard dev` agree with no env at all.
 *
 * @example
 * ```ts
 * import { DEV_DEFAULTS } from "@switchboard/core";
 *
 * const sb = createSwitchboard({ qstash: { token: DEV_DEFAULTS.qstashToken, baseUrl: DEV_DEFAULTS.qstashUrl } });
 * ```
 */
export const DEV_DEFAULTS = DEV_USER;
