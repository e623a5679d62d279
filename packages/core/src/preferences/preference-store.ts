/**
 * Where a recipient's preferences are kept: one hash per recipient, one field per
 * `category:subscriber`, `"1"` for on and `"0"` for off. Every call is one atomic step (one Lua
 * script on Redis), so concurrent writers never interleave. Internal.
 */
export interface PreferenceStore {
  /** The stored value of each field, in order; `undefined` where the recipient never chose. */
  read(recipient: string, fields: readonly string[]): Promise<(boolean | undefined)[]>;
  /**
   * Removes `remove`, then stores `set`, then reads `fields` as {@link read} does: all in one
   * atomic step.
   */
  update(
    recipient: string,
    change: { remove: readonly string[]; set: readonly (readonly [string, boolean])[] },
    fields: readonly string[],
  ): Promise<(boolean | undefined)[]>;
}

/** The hash field for a category and a subscriber. Subscriber names have no `:`, so it is unambiguous. */
export function preferenceField(category: string, subscriber: string): string {
  return `${category}:${subscriber}`;
}
