import { parseJsonBody } from "./api-request";

/**
 * The ids a bulk call names: `?messageIds=a&messageIds=b` (how `@upstash/qstash` sends them),
 * comma-separated, or a JSON body `{ "messageIds": [...] }`. `undefined` when none are named.
 *
 * @example
 * ```ts
 * const ids = idsFrom(new URLSearchParams("dlqIds=a&dlqIds=b"), Buffer.alloc(0), "dlqIds"); // ["a", "b"]
 * ```
 */
export function idsFrom(query: URLSearchParams, body: Buffer, name: string): string[] | undefined {
  const fromQuery = query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .filter(Boolean);
  if (fromQuery.length > 0) return fromQuery;
  if (body.length === 0) return undefined;
  const parsed = parseJsonBody(body) as Record<string, unknown> | null;
  const ids = parsed?.[name];
  return Array.isArray(ids) ? ids.map(String) : undefined;
}
