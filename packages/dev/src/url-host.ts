/**
 * A listen address as the host of a URL clients can dial: IPv6 in brackets, and the wildcard
 * addresses as loopback (`0.0.0.0` listens everywhere but is no address to connect to).
 *
 * @example
 * ```ts
 * urlHost("::1"); // "[::1]"
 * urlHost("0.0.0.0"); // "127.0.0.1"
 * ```
 */
export function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
