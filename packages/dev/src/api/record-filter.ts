import { DevServerError } from "../dev-server-error";

/** How to read one filterable field from a record: one value, or several (a message's labels). */
export type FieldReader<T> = (record: T) => unknown;

/**
 * Applies QStash's list filters from a query string: each named field must match one of the values
 * given for it (repeat the parameter, as `@upstash/qstash` does for arrays, or separate values with
 * commas), and `fromDate`/`toDate` (unix ms) bound `time(record)`. Call {@link checkQueryParams}
 * first: unknown parameters are refused there, never ignored here.
 *
 * @example
 * ```ts
 * const failed = filterRecords(entries, new URLSearchParams("label=billing&responseStatus=500"), {
 *   label: (e) => e.label,
 *   responseStatus: (e) => e.responseStatus,
 * }, (e) => e.failedAt);
 * ```
 */
export function filterRecords<T>(
  records: T[],
  query: URLSearchParams,
  fields: Record<string, FieldReader<T>>,
  time: (record: T) => number,
): T[] {
  const checks: [Set<string>, FieldReader<T>][] = [];
  for (const [name, read] of Object.entries(fields)) {
    const wanted = query
      .getAll(name)
      .flatMap((value) => value.split(","))
      .map((value) => value.trim())
      .filter(Boolean);
    if (wanted.length > 0) checks.push([new Set(wanted), read]);
  }
  const from = dateParam(query.get("fromDate")) ?? Number.NEGATIVE_INFINITY;
  const to = dateParam(query.get("toDate")) ?? Number.POSITIVE_INFINITY;
  return records.filter((record) => {
    const at = time(record);
    if (at < from || at > to) return false;
    return checks.every(([wanted, read]) => {
      const value = read(record);
      const values = Array.isArray(value) ? value : [value];
      return values.some((v) => v !== undefined && v !== null && wanted.has(String(v)));
    });
  });
}

function dateParam(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Query parameters every filtered endpoint takes besides its own: dates and the token. */
const ALWAYS_ALLOWED = ["fromDate", "toDate", "qstash_token"];

/**
 * Refuses a query parameter the endpoint does not know, as QStash does: a typo such as
 * `labeel=x` on `DELETE /v2/dlq` must be a 400, never a filter quietly dropped, which would turn
 * "delete these" into "delete everything".
 *
 * @example
 * ```ts
 * checkQueryParams(query, ["count", "cursor", ...Object.keys(DLQ_FILTERS)], "DELETE /v2/dlq");
 * ```
 */
export function checkQueryParams(query: URLSearchParams, known: readonly string[], endpoint: string): void {
  const allowed = new Set([...known, ...ALWAYS_ALLOWED]);
  for (const name of new Set(query.keys())) {
    if (allowed.has(name)) continue;
    const list = [...allowed].filter((n) => n !== "qstash_token").join(", ");
    throw new DevServerError(
      400,
      `${endpoint}: unknown query parameter "${name.slice(0, 100)}"; it takes ${list}.`,
    );
  }
}
