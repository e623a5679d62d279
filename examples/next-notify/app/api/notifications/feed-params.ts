/** At most this many ids per mark-read call, as the feed allows. */
const MAX_IDS = 1000;

/** A parse that either gives the value or says, for a 400, what to send instead. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The `before` cursor of `GET /api/notifications`: absent, or an item id exactly as `nextCursor`
 * gave it (a whole number in decimal). Anything else (`abc`, `-1`, `1e400`, a number past 2^53)
 * is the client's mistake, a 400, never the feed's 500.
 */
export function parseBefore(raw: string | null): Parsed<number | undefined> {
  if (raw === null) return { ok: true, value: undefined };
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    return { ok: false, error: "`before` must be an item id: pass the page's `nextCursor` as it came." };
  }
  return { ok: true, value };
}

/**
 * The body of `POST /api/notifications`: `{ ids: [1, 2] }` (positive whole numbers, at most
 * 1000) or `{ ids: "all" }`. Anything else is a 400 that says so.
 */
export function parseMarkRead(body: unknown): Parsed<number[] | "all"> {
  const ids =
    body !== null && typeof body === "object" && !Array.isArray(body)
      ? (body as { ids?: unknown }).ids
      : undefined;
  if (ids === "all") return { ok: true, value: "all" };
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    return { ok: false, error: 'Send { ids: [1, 2] } (item ids, whole numbers above 0) or { ids: "all" }.' };
  }
  if (ids.length > MAX_IDS)
    return { ok: false, error: `Send at most ${MAX_IDS} ids at a time, or { ids: "all" }.` };
  return { ok: true, value: ids as number[] };
}
