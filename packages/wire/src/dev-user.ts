/**
 * QStash's documented local-development user, and the addresses `switchboard dev` and a Next.js
 * app use by default. The one copy: core's `DEV_DEFAULTS` and the dev server's `DEFAULT_TOKEN` /
 * `DEFAULT_SIGNING_KEYS` are these values, so an app and `switchboard dev` agree with no env.
 */
export const DEV_USER = Object.freeze({
  /** `QSTASH_URL`: where `switchboard dev` listens by default. */
  qstashUrl: "http://127.0.0.1:8080",
  /** `QSTASH_TOKEN` of QStash's local-development user. */
  qstashToken: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=",
  /** `QSTASH_CURRENT_SIGNING_KEY` and `QSTASH_NEXT_SIGNING_KEY` of the local-development user. */
  signingKeys: Object.freeze({
    current: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
    next: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
  }),
  /** `SWITCHBOARD_URL`: the route of a Next.js app on its default port. */
  url: "http://localhost:3000/api/switchboard",
});
