import type { PreferenceStore } from "./preference-store";

/**
 * Preferences in this process's memory, with the Redis store's semantics: for tests, and one
 * process with no `redis` configured. Internal.
 */
export function memoryPreferenceStore(): PreferenceStore {
  const hashes = new Map<string, Map<string, boolean>>();
  const read = (recipient: string, fields: readonly string[]) => {
    const hash = hashes.get(recipient);
    return fields.map((field) => hash?.get(field));
  };
  return {
    read: async (recipient, fields) => read(recipient, fields),
    async update(recipient, { remove, set }, fields) {
      const hash = hashes.get(recipient) ?? new Map<string, boolean>();
      for (const field of remove) hash.delete(field);
      for (const [field, on] of set) hash.set(field, on);
      // As Redis does: a hash with no fields is no key at all.
      if (hash.size === 0) hashes.delete(recipient);
      else hashes.set(recipient, hash);
      return read(recipient, fields);
    },
  };
}
