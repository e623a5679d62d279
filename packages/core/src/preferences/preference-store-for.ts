import type { Runtime } from "../runtime";
import { memoryPreferenceStore } from "./memory-preference-store";
import type { PreferenceStore } from "./preference-store";
import { redisPreferenceStore } from "./redis-preference-store";

// Without Redis, one memory store per switchboard and prefix: its channels share settings as they
// would in Redis, and two switchboards in one process (two test files) never see each other's.
const memory = new WeakMap<Runtime, Map<string, PreferenceStore>>();

/** The store a channel's preferences use: `runtime.redis` under `prefix`, else memory. Internal. */
export function preferenceStoreFor(runtime: Runtime, prefix: string): PreferenceStore {
  if (runtime.redis) return redisPreferenceStore(runtime.redis, prefix);
  const stores = memory.get(runtime) ?? new Map<string, PreferenceStore>();
  memory.set(runtime, stores);
  const store = stores.get(prefix) ?? memoryPreferenceStore();
  stores.set(prefix, store);
  return store;
}
