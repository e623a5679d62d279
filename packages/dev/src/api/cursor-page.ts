/** One page of a list and the cursor for the next, if there is more. */
export interface CursorPage<T> {
  items: T[];
  cursor?: string;
}

/**
 * Pages a list that is already in its answer order. The cursor is the `key` of the last item
 * returned, so the next page starts right after it even when items before it were deleted or
 * retried in between (as `dlq.delete({ all: true, cursor })` loops do); a cursor whose item is
 * gone starts again from the top, which after a bulk delete or retry is exactly what remains.
 * `count` defaults to 100, at most 1000.
 *
 * @example
 * ```ts
 * const { items, cursor } = cursorPage(entries, query, (e) => e.dlqId);
 * ```
 */
export function cursorPage<T>(list: T[], query: URLSearchParams, key: (item: T) => string): CursorPage<T> {
  const count = Math.min(Math.max(Math.trunc(Number(query.get("count") ?? 100)) || 100, 1), 1000);
  const cursor = query.get("cursor");
  let start = 0;
  if (cursor) {
    const at = list.findIndex((item) => key(item) === cursor);
    start = at >= 0 ? at + 1 : 0;
  }
  const items = list.slice(start, start + count);
  const last = items.at(-1);
  return start + count < list.length && last !== undefined ? { items, cursor: key(last) } : { items };
}
