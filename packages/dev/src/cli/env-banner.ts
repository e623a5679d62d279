import type { CredentialsKind, DevServerAccess } from "../start-dev-server";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "../wire/defaults";

/** What the banner needs to know about a running dev server. */
export interface BannerServer {
  url: string;
  token: string;
  signingKeys: { current: string; next: string };
  redisRestUrl?: string | undefined;
  /** Where the credentials come from; without it, `default` or `custom` by their values. */
  credentials?: CredentialsKind;
}

const SECURITY_DOC = "docs/dev-server.md#security";

/** The QStash URL core assumes under `SWITCHBOARD_DEV=1`. */
const SWITCHBOARD_DEV_QSTASH_URL = "http://127.0.0.1:8080";

/** The route URL core assumes under `SWITCHBOARD_DEV=1`, shown as the example `SWITCHBOARD_URL`. */
export const ROUTE_URL_EXAMPLE = "http://localhost:3000/api/switchboard";

/**
 * The env values in force for this server: the QStash lines, and the Redis REST lines when it
 * fronts a Redis.
 *
 * @example
 * ```ts
 * devEnv(dev).QSTASH_URL; // "http://127.0.0.1:8080"
 * ```
 */
export function devEnv(server: BannerServer): Record<string, string> {
  return {
    QSTASH_URL: server.url,
    QSTASH_TOKEN: server.token,
    QSTASH_CURRENT_SIGNING_KEY: server.signingKeys.current,
    QSTASH_NEXT_SIGNING_KEY: server.signingKeys.next,
    ...redisEnv(server),
  };
}

/**
 * `true` when `SWITCHBOARD_DEV=1` alone points an app at this server: the default URL, token and
 * signing keys, which core assumes under that switch. Redis REST is not covered either way.
 *
 * @example
 * ```ts
 * switchboardDevCovers({ url: "http://127.0.0.1:9090", token, signingKeys }); // false
 * ```
 */
export function switchboardDevCovers(server: BannerServer): boolean {
  return problems(server).length === 0;
}

/**
 * The lines `switchboard dev` prints for a newcomer to paste: `SWITCHBOARD_DEV=1` first when it is
 * enough, then every line (the route URL as a commented example), and the Redis REST lines when
 * the server fronts a Redis. On another port or with custom credentials it says why the one-line
 * switch is not enough and prints the values in force.
 *
 * @example
 * ```ts
 * process.stdout.write(`${envBanner(dev).join("\n")}\n`);
 * ```
 */
export function envBanner(server: BannerServer): string[] {
  const full = [
    // The inline `#` keeps the line valid for dotenv once its leading `# ` is removed.
    `# SWITCHBOARD_URL=${ROUTE_URL_EXAMPLE}  # ← your route's URL`,
    ...lines(devEnv({ ...server, redisRestUrl: undefined })),
  ];
  const redis = lines(redisEnv(server));
  const why = problems(server);
  if (why.length > 0) {
    return [
      `This server uses ${why.join(" and ")}, so SWITCHBOARD_DEV=1 alone is not enough.`,
      "Paste into your .env.local (and uncomment SWITCHBOARD_URL, set to your route's URL):",
      ...full,
      ...redis,
    ];
  }
  return [
    "Paste into your .env.local. With the default port and credentials, one line is enough:",
    "SWITCHBOARD_DEV=1",
    "",
    "or, to spell every value out instead (then uncomment SWITCHBOARD_URL: without SWITCHBOARD_DEV=1 it has no default):",
    ...full,
    ...(redis.length > 0
      ? [
          "",
          "SWITCHBOARD_DEV=1 does not cover Redis: for the Redis REST endpoint add, in either case:",
          ...redis,
        ]
      : []),
  ];
}

/**
 * The lines that say which credentials are in force (QStash's public development defaults,
 * custom or random) and whom the server answers. With the public defaults on a server opened
 * beyond loopback, same-origin requests, they warn and say how to use credentials of one's own.
 *
 * @example
 * ```ts
 * process.stdout.write(`${credentialsBanner(dev, dev.access).join("\n")}\n`);
 * ```
 */
export function credentialsBanner(server: BannerServer, access: DevServerAccess): string[] {
  const opened = [
    ...(access.publicBind ? ["IP-address Hosts (--host)"] : []),
    ...access.allowHosts.map((name) => `Host ${name} (--allow-host)`),
    ...access.allowOrigins.map((origin) => `pages from ${origin} (--allow-origin)`),
    ...(access.allowQueryToken ? ["?qstash_token= and ?_token= (--allow-query-token)"] : []),
  ];
  const kind = credentialsOf(server);
  if (kind === "default") {
    return [
      "Credentials: QStash's public development defaults (pass --random-credentials or --token for your own).",
      opened.length === 0
        ? `The default token is public, so this server only answers loopback, same-origin requests (see ${SECURITY_DOC}).`
        : `Warning: the default token is public, and this server also answers ${opened.join(", ")}: anyone those let in can use it. Pass --random-credentials or --token.`,
    ];
  }
  return [
    kind === "random"
      ? "Credentials: random, new on every start (--random-credentials): paste the lines below again after a restart."
      : "Credentials: custom (--token, --current-signing-key, --next-signing-key).",
    opened.length === 0
      ? `This server only answers loopback, same-origin requests (see ${SECURITY_DOC}).`
      : `This server answers loopback, same-origin requests, and also answers ${opened.join(", ")}.`,
  ];
}

function credentialsOf(server: BannerServer): CredentialsKind {
  if (server.credentials) return server.credentials;
  const defaults =
    server.token === DEFAULT_TOKEN &&
    server.signingKeys.current === DEFAULT_SIGNING_KEYS.current &&
    server.signingKeys.next === DEFAULT_SIGNING_KEYS.next;
  return defaults ? "default" : "custom";
}

function redisEnv(server: BannerServer): Record<string, string> {
  return server.redisRestUrl
    ? { UPSTASH_REDIS_REST_URL: server.redisRestUrl, UPSTASH_REDIS_REST_TOKEN: server.token }
    : {};
}

function lines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

/** Why `SWITCHBOARD_DEV=1` would point elsewhere, in words; empty when it fits. */
function problems(server: BannerServer): string[] {
  const why: string[] = [];
  if (server.url !== SWITCHBOARD_DEV_QSTASH_URL) {
    const url = new URL(server.url);
    why.push(
      url.hostname === "127.0.0.1"
        ? `port ${url.port} (not 8080)`
        : `${url.host} (SWITCHBOARD_DEV=1 means ${SWITCHBOARD_DEV_QSTASH_URL})`,
    );
  }
  if (server.credentials === "random") {
    why.push("random credentials (--random-credentials)");
    return why;
  }
  const customToken = server.token !== DEFAULT_TOKEN;
  const customKeys =
    server.signingKeys.current !== DEFAULT_SIGNING_KEYS.current ||
    server.signingKeys.next !== DEFAULT_SIGNING_KEYS.next;
  if (customToken && customKeys) why.push("a custom token and signing keys");
  else if (customToken) why.push("a custom token");
  else if (customKeys) why.push("custom signing keys");
  return why;
}
