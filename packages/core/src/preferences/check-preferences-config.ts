import { NAME_PATTERN } from "@switchboard/wire";
import { SwitchboardError } from "../errors/switchboard-error";

/** The default Redis key prefix of preferences. */
export const DEFAULT_PREFERENCES_PREFIX = "sb:prefs";

/** A category, checked. Internal. */
export interface CheckedCategory {
  name: string;
  label: string;
  critical: boolean;
  /** Only the subscribers the config named. */
  defaults: ReadonlyMap<string, boolean>;
}

/** A channel's `preferences` option, checked. Internal. */
export interface CheckedPreferences {
  recipient: (event: unknown) => unknown;
  category: string | ((event: unknown) => unknown);
  categories: ReadonlyMap<string, CheckedCategory>;
  prefix: string;
}

const CONFIG_KEYS = new Set(["recipient", "category", "categories", "prefix"]);
const CATEGORY_KEYS = new Set(["defaults", "critical", "label"]);
const MAX_LABEL_LENGTH = 200;
const MAX_PREFIX_LENGTH = 100;
// Redis's Lua unpacks a few thousand values at most; a reset sends every field once and `get`
// reads each back, so this keeps every script far below it.
const MAX_SETTINGS = 1000;
const PREFIX_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Checks a channel's `preferences` option against its subscriber names, throwing
 * `INVALID_OPTIONS` that says what to change. Internal.
 */
export function checkPreferencesConfig(
  owner: string,
  subscribers: readonly string[],
  config: unknown,
): CheckedPreferences {
  const at = `${owner}: preferences`;
  const fail = (message: string): never => {
    throw new SwitchboardError("INVALID_OPTIONS", `${at}${message}`);
  };
  if (!isRecord(config)) {
    return fail(" must be { recipient: (event) => userId, category, categories: { name: {...} } }.");
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key))
      fail(`: unknown option "${key}". Known options: ${[...CONFIG_KEYS].join(", ")}.`);
  }
  const { recipient, category, categories, prefix = DEFAULT_PREFERENCES_PREFIX } = config;
  if (typeof recipient !== "function") {
    fail(".recipient must be a function that returns whom an event is for, e.g. (event) => event.userId.");
  }
  if (!isRecord(categories) || Object.keys(categories).length === 0) {
    fail(
      ".categories must declare at least one category, e.g. { comments: {}, security: { critical: true } }.",
    );
  }
  const checked = new Map<string, CheckedCategory>();
  for (const [name, value] of Object.entries(categories as Record<string, unknown>)) {
    checked.set(name, checkCategory(`${at}.categories`, name, value, subscribers));
  }
  if (checked.size * subscribers.length > MAX_SETTINGS) {
    fail(
      `: ${checked.size} categories × ${subscribers.length} subscribers is ${checked.size * subscribers.length} settings per recipient; keep it at most ${MAX_SETTINGS} (one Lua call reads them all), e.g. by splitting the channel.`,
    );
  }
  const declared = [...checked.keys()].join(", ");
  if (typeof category === "string") {
    if (!checked.has(category)) fail(`.category "${category}" is not one of the categories: ${declared}.`);
  } else if (typeof category !== "function") {
    fail(`.category must be a category name (${declared}) or a function of the event that returns one.`);
  }
  if (typeof prefix !== "string" || prefix.length > MAX_PREFIX_LENGTH || !PREFIX_PATTERN.test(prefix)) {
    fail(
      `.prefix must be 1-${MAX_PREFIX_LENGTH} printable ASCII characters without spaces, e.g. "sb:prefs".`,
    );
  }
  return {
    recipient: recipient as CheckedPreferences["recipient"],
    category: category as CheckedPreferences["category"],
    categories: checked,
    prefix: prefix as string,
  };
}

function checkCategory(
  at: string,
  name: string,
  value: unknown,
  subscribers: readonly string[],
): CheckedCategory {
  const fail = (message: string): never => {
    throw new SwitchboardError("INVALID_OPTIONS", `${at}.${name}${message}`);
  };
  if (!NAME_PATTERN.test(name)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${at}: category name ${JSON.stringify(name)} must be 1-128 letters, digits, "-" or "_", starting with a letter or digit (put display text in \`label\`).`,
    );
  }
  if (!isRecord(value)) return fail(" must be an object: {} or { defaults?, critical?, label? }.");
  for (const key of Object.keys(value)) {
    if (!CATEGORY_KEYS.has(key))
      fail(`: unknown option "${key}". Known options: ${[...CATEGORY_KEYS].join(", ")}.`);
  }
  const { defaults = {}, critical = false, label = name } = value;
  if (typeof critical !== "boolean") fail(".critical must be true or false.");
  if (typeof label !== "string" || label === "" || label.length > MAX_LABEL_LENGTH) {
    fail(`.label must be text of 1-${MAX_LABEL_LENGTH} characters.`);
  }
  if (!isRecord(defaults)) fail(".defaults must be an object of subscriber names to true or false.");
  const checked = new Map<string, boolean>();
  for (const [subscriber, on] of Object.entries(defaults as Record<string, unknown>)) {
    if (!subscribers.includes(subscriber)) {
      fail(`.defaults: unknown subscriber "${subscriber}". Subscribers: ${subscribers.join(", ")}.`);
    }
    if (typeof on !== "boolean") fail(`.defaults.${subscriber} must be true or false.`);
    if (critical && on === false) {
      fail(
        `.defaults.${subscriber} is false, but the category is critical, so it is always delivered: remove the default, or the \`critical\` flag.`,
      );
    }
    checked.set(subscriber, on as boolean);
  }
  return { name, label: label as string, critical: critical as boolean, defaults: checked };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
