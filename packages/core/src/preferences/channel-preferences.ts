import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";
import {
  type CheckedCategory,
  type CheckedPreferences,
  checkPreferencesConfig,
} from "./check-preferences-config";
import { recipientProblem } from "./check-recipient";
import { type PreferenceStore, preferenceField } from "./preference-store";
import { preferenceStoreFor } from "./preference-store-for";
import type {
  ChannelPreferences,
  PreferenceCategoryInfo,
  PublishSkipped,
  ResolvedPreferences,
} from "./preferences-config";

/** Which selected subscribers `publish` sends to, and which it skips and why. Internal. */
export interface PreferenceDecision<TSubscriber extends string> {
  send: TSubscriber[];
  skipped: PublishSkipped<TSubscriber>;
}

/** A channel's preferences: the public API, and the check `publish` makes. Internal. */
export interface PreferencesOfChannel<TSubscriber extends string, TCategory extends string> {
  api: ChannelPreferences<TSubscriber, TCategory>;
  /**
   * Reads the event's recipient and category, then (one store call, none for a critical
   * category) which of `selected` are on. Throws `INVALID_PAYLOAD` for an event the preferences
   * cannot place and `REDIS_FAILED` when the store fails: either way nothing may be sent.
   */
  decide(event: unknown, selected: readonly TSubscriber[]): Promise<PreferenceDecision<TSubscriber>>;
}

/**
 * Checks a channel's `preferences` option and builds what the channel exposes and consults.
 * Without the option, `decide` sends to everyone and the API says how to add preferences.
 * Internal: `createChannel` calls it.
 */
export function createChannelPreferences<TSubscriber extends string, TCategory extends string>(
  runtime: Runtime,
  owner: string,
  subscribers: readonly TSubscriber[],
  config: unknown,
): PreferencesOfChannel<TSubscriber, TCategory> {
  if (config === undefined) return withoutPreferences(owner);
  const checked = checkPreferencesConfig(owner, subscribers, config);
  const store = preferenceStoreFor(runtime, checked.prefix);
  const categories = [...checked.categories.values()];
  const allFields = categories.flatMap((category) =>
    subscribers.map((subscriber) => preferenceField(category.name, subscriber)),
  );

  const resolve = (stored: readonly (boolean | undefined)[]) => {
    let index = 0;
    const entries = categories.map((category) => {
      const row = subscribers.map((subscriber) => {
        const value = stored[index++];
        return [subscriber, isOn(category, subscriber, value)] as const;
      });
      return [category.name, Object.fromEntries(row)] as const;
    });
    return Object.fromEntries(entries) as ResolvedPreferences<TSubscriber, TCategory>;
  };
  const call = async <T>(what: string, recipient: string, run: (store: PreferenceStore) => Promise<T>) => {
    try {
      return await run(store);
    } catch (error) {
      const after =
        what === "get"
          ? ""
          : ` The ${what} may or may not have been stored: call ${what} again (it gives the same result twice).`;
      throw redisFailed(
        runtime,
        `${owner}: preferences.${what} for ${JSON.stringify(recipient)}`,
        error,
        after,
      );
    }
  };
  const checkRecipient = (what: string, recipient: unknown): string => {
    const problem = recipientProblem(recipient);
    if (problem) {
      throw new SwitchboardError(
        "INVALID_OPTIONS",
        `${owner}: preferences.${what}: the recipient ${problem}.`,
      );
    }
    return recipient as string;
  };

  const api: ChannelPreferences<TSubscriber, TCategory> = {
    categories: categories.map(
      (category): PreferenceCategoryInfo<TCategory> => ({
        name: category.name as TCategory,
        label: category.label,
        critical: category.critical,
      }),
    ),
    async get(recipient) {
      checkRecipient("get", recipient);
      return resolve(await call("get", recipient, (s) => s.read(recipient, allFields)));
    },
    async set(recipient, changes) {
      checkRecipient("set", recipient);
      const set = checkChanges(owner, checked, subscribers, changes);
      return resolve(
        await call("set", recipient, (s) => s.update(recipient, { remove: [], set }, allFields)),
      );
    },
    async reset(recipient, category) {
      checkRecipient("reset", recipient);
      if (category !== undefined && !checked.categories.has(category)) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `${owner}: preferences.reset: unknown category ${JSON.stringify(category)}. Categories: ${names(checked)}; or leave it out to reset them all.`,
        );
      }
      const remove =
        category === undefined
          ? allFields
          : subscribers.map((subscriber) => preferenceField(category, subscriber));
      return resolve(
        await call("reset", recipient, (s) => s.update(recipient, { remove, set: [] }, allFields)),
      );
    },
  };

  return {
    api,
    async decide(event, selected) {
      const recipient = fromEvent(owner, "recipient", checked.recipient, event);
      const problem = recipientProblem(recipient);
      if (problem) {
        throw invalidEvent(owner, `preferences.recipient(event) returned a recipient that ${problem}`);
      }
      const name =
        typeof checked.category === "string"
          ? checked.category
          : fromEvent(owner, "category", checked.category, event);
      const category = typeof name === "string" ? checked.categories.get(name) : undefined;
      if (!category) {
        throw invalidEvent(
          owner,
          `the event's category ${printable(name)} is not declared. Categories: ${names(checked)}; add it to preferences.categories`,
        );
      }
      if (category.critical) return { send: [...selected], skipped: {} };
      const fields = selected.map((subscriber) => preferenceField(category.name, subscriber));
      let stored: (boolean | undefined)[];
      try {
        stored = await store.read(recipient as string, fields);
      } catch (error) {
        throw redisFailed(
          runtime,
          `${owner}: publish could not read the preferences of ${JSON.stringify(recipient)}`,
          error,
          " Nothing was published, so no subscriber the recipient muted gets a message and none is dropped unseen: publish again once Redis answers.",
        );
      }
      const send: TSubscriber[] = [];
      const skipped: PublishSkipped<TSubscriber> = {};
      selected.forEach((subscriber, index) => {
        const value = stored[index];
        if (isOn(category, subscriber, value)) send.push(subscriber);
        else {
          skipped[subscriber] = {
            reason: value === false ? "muted" : "off-by-default",
            recipient: recipient as string,
            category: category.name,
          };
        }
      });
      return { send, skipped };
    },
  };
}

function isOn(category: CheckedCategory, subscriber: string, stored: boolean | undefined): boolean {
  if (category.critical) return true;
  return stored ?? category.defaults.get(subscriber) ?? true;
}

/** Validates a `set` call's changes against the declared categories and subscribers. */
function checkChanges(
  owner: string,
  checked: CheckedPreferences,
  subscribers: readonly string[],
  changes: unknown,
): [string, boolean][] {
  const fail = (message: string): never => {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: preferences.set: ${message}`);
  };
  const shape = "pass { [category]: { [subscriber]: true | false } }, e.g. { comments: { sms: false } }";
  if (!isPlainObject(changes)) return fail(`${shape}.`);
  const set: [string, boolean][] = [];
  for (const [name, row] of Object.entries(changes)) {
    const category = checked.categories.get(name);
    if (!category) fail(`unknown category ${JSON.stringify(name)}. Categories: ${names(checked)}.`);
    if (!isPlainObject(row)) fail(`${JSON.stringify(name)} must be { [subscriber]: true | false }.`);
    for (const [subscriber, on] of Object.entries(row as Record<string, unknown>)) {
      if (!subscribers.includes(subscriber)) {
        fail(
          `unknown subscriber ${JSON.stringify(subscriber)} in ${JSON.stringify(name)}. Subscribers: ${subscribers.join(", ")}.`,
        );
      }
      if (typeof on !== "boolean") {
        fail(`${name}.${subscriber} must be true or false, got ${printable(on)}.`);
      }
      if (category!.critical) {
        if (on === false) {
          fail(
            `category "${name}" is critical, so it cannot be muted: ${name}.${subscriber} stays on. Leave critical categories out of the changes (or send true).`,
          );
        }
        continue; // true for a critical category is what it already is: nothing to store.
      }
      set.push([preferenceField(name, subscriber), on as boolean]);
    }
  }
  return set;
}

function withoutPreferences<TSubscriber extends string, TCategory extends string>(
  owner: string,
): PreferencesOfChannel<TSubscriber, TCategory> {
  const missing = async (): Promise<never> => {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner} has no preferences: declare them in createChannel, e.g. preferences: { recipient: (event) => event.userId, category: "comments", categories: { comments: {} } }.`,
    );
  };
  return {
    api: { categories: [], get: missing, set: missing, reset: missing },
    decide: async (_event, selected) => ({ send: [...selected], skipped: {} }),
  };
}

function fromEvent(owner: string, what: string, read: (event: unknown) => unknown, event: unknown) {
  try {
    return read(event);
  } catch (error) {
    throw new SwitchboardError(
      "INVALID_PAYLOAD",
      `${owner}: preferences.${what}(event) threw: ${describeThrown(error)}. Nothing was published.`,
      { cause: error },
    );
  }
}

function invalidEvent(owner: string, message: string): SwitchboardError {
  return new SwitchboardError("INVALID_PAYLOAD", `${owner}: ${message}. Nothing was published.`, {
    issues: [{ path: "", message }],
  });
}

function redisFailed(runtime: Runtime, what: string, error: unknown, after: string): SwitchboardError {
  const client = runtime.redis ? ` (${runtime.redis.client})` : "";
  const cause = describeThrown(error).replace(/\.$/, "");
  return new SwitchboardError("REDIS_FAILED", `${what}: Redis${client} failed: ${cause}.${after}`, {
    cause: error,
    fix: "Check that Redis is reachable with the URL and token the switchboard's redis client was given.",
  });
}

function names(checked: CheckedPreferences): string {
  return [...checked.categories.keys()].join(", ");
}

function printable(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
