/**
 * A condition that tests wait on instead of on time: call `changed()` wherever the state it reads
 * may change (an event, a callback), and `until(check)` resolves the first time `check()` holds.
 * Nothing polls and nothing times out here: a condition that never holds fails the test at
 * vitest's test timeout. Test-only.
 */
export function condition(): { changed(): void; until(check: () => boolean): Promise<void> } {
  const waiting = new Set<() => void>();
  return {
    changed() {
      for (const recheck of [...waiting]) recheck();
    },
    until(check) {
      return new Promise((resolve) => {
        const recheck = () => {
          if (!check()) return;
          waiting.delete(recheck);
          resolve();
        };
        waiting.add(recheck);
        recheck();
      });
    },
  };
}
