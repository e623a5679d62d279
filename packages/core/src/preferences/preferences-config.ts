/**
 * One notification category a recipient can turn subscribers on and off for.
 *
 * @example
 * ```ts
 * const comments: PreferenceCategory<"email" | "sms" | "inApp"> = {
 *   label: "Comments on your tasks",
 *   defaults: { sms: false }, // email and inApp are on unless the user turns them off
 * };
 * ```
 */
export interface PreferenceCategory<TSubscriber extends string = string> {
  /**
   * Whether each subscriber is on for a recipient who never chose. Subscribers left out are on.
   * @default every subscriber on
   */
  defaults?: { readonly [K in TSubscriber]?: boolean };
  /**
   * Always delivered to every subscriber: a stored mute is ignored, and `preferences.set` refuses
   * to mute it (security alerts, password resets, invoices).
   * @default false
   */
  critical?: boolean;
  /** What a settings page shows for it. @default the category's name */
  label?: string;
}

/**
 * A channel's `preferences` option: who an event is for, which category it belongs to, and the
 * categories a recipient can tune.
 *
 * Preferences belong to the recipient, not to the channel: they are stored per recipient, by
 * category and subscriber name, so two channels (with the same `prefix`) that both declare a
 * `comments` category and an `email` subscriber share that one setting.
 *
 * @example
 * ```ts
 * import { createSwitchboard } from "@switchboard/core";
 * import { Redis } from "@upstash/redis";
 * import { z } from "zod";
 *
 * const sb = createSwitchboard({ redis: Redis.fromEnv() });
 * export const notify = sb.createChannel({
 *   name: "notify",
 *   schema: z.object({ userId: z.string(), kind: z.enum(["comments", "security"]), title: z.string() }),
 *   subscribers: { email: async () => {}, sms: async () => {}, inApp: async () => {} },
 *   preferences: {
 *     recipient: (event) => event.userId,
 *     category: (event) => event.kind,
 *     categories: {
 *       comments: { label: "Comments", defaults: { sms: false } },
 *       security: { label: "Security alerts", critical: true },
 *     },
 *   },
 * });
 * ```
 */
export interface PreferencesConfig<TPayload, TSubscriber extends string, TCategory extends string> {
  /**
   * The recipient an event is for (a user id): whose preferences `publish` reads. Must return
   * 1-200 characters without control characters.
   */
  recipient: (event: TPayload) => string;
  /**
   * The event's category: one of `categories`, fixed or read from the event. An event whose
   * category is not declared fails `publish` with `INVALID_PAYLOAD`, and nothing is sent.
   */
  category: NoInfer<TCategory> | ((event: TPayload) => string);
  /** The categories, by name (letters, digits, `-`, `_`). At least one. */
  categories: { [C in TCategory]: PreferenceCategory<TSubscriber> };
  /**
   * The Redis key prefix: each recipient's preferences are one hash at `{prefix}:{recipient}`.
   * Channels with the same prefix share settings of the same category and subscriber name. Do
   * not extend another prefix with `:` (`sb:prefs:billing`): recipient `billing:u_1` under
   * `sb:prefs` would share a key with `u_1` under it; use a sibling such as `sb:prefs-billing`.
   * @default "sb:prefs"
   */
  prefix?: string;
}

/**
 * Every category × subscriber of a channel, resolved for one recipient: what the recipient chose,
 * else the category's default, else on. A critical category is always on.
 *
 * @example
 * ```ts
 * const prefs: ResolvedPreferences<"email" | "sms", "comments"> = {
 *   comments: { email: true, sms: false },
 * };
 * ```
 */
export type ResolvedPreferences<TSubscriber extends string, TCategory extends string> = {
  [C in TCategory]: { [S in TSubscriber]: boolean };
};

/**
 * A partial update for `preferences.set`: only the categories and subscribers given change.
 *
 * @example
 * ```ts
 * const changes: PreferenceChanges<"email" | "sms", "comments"> = { comments: { sms: true } };
 * ```
 */
export type PreferenceChanges<TSubscriber extends string, TCategory extends string> = {
  [C in TCategory]?: { [S in TSubscriber]?: boolean };
};

/** A category as a settings page shows it: `preferences.categories`. */
export interface PreferenceCategoryInfo<TCategory extends string = string> {
  name: TCategory;
  /** `label`, or the name. */
  label: string;
  /** Critical categories cannot be muted: show their switches on and disabled. */
  critical: boolean;
}

/**
 * A channel's notification preferences, per recipient: `channel.preferences`.
 *
 * @example
 * ```ts
 * await notify.preferences.set("u_1", { comments: { sms: true } });
 * const prefs = await notify.preferences.get("u_1"); // { comments: { email: true, sms: true, inApp: true }, security: {...} }
 * await notify.preferences.reset("u_1", "comments");
 * ```
 */
export interface ChannelPreferences<TSubscriber extends string = string, TCategory extends string = string> {
  /** The declared categories in order, with labels and which are critical. */
  readonly categories: readonly PreferenceCategoryInfo<TCategory>[];
  /**
   * Every category × subscriber for `recipient`: the stored choice, else the category's default,
   * else on; a critical category is always on. One Redis round trip.
   * @example
   * ```ts
   * const prefs = await notify.preferences.get("u_1");
   * if (!prefs.comments.email) console.log("u_1 gets no comment emails");
   * ```
   */
  get(recipient: string): Promise<ResolvedPreferences<TSubscriber, TCategory>>;
  /**
   * Stores the recipient's choices, all at once or not at all, and answers the result as
   * {@link get} would. Only what `changes` names changes. Muting a critical category is refused
   * (`true` for it is accepted and changes nothing).
   * @example
   * ```ts
   * const prefs = await notify.preferences.set("u_1", { comments: { sms: true, email: false } });
   * ```
   */
  set(
    recipient: string,
    changes: PreferenceChanges<TSubscriber, TCategory>,
  ): Promise<ResolvedPreferences<TSubscriber, TCategory>>;
  /**
   * Forgets the recipient's choices (of one category, or of every category of this channel), so
   * defaults apply again; answers the result as {@link get} would.
   * @example
   * ```ts
   * await notify.preferences.reset("u_1", "comments");
   * await notify.preferences.reset("u_1");
   * ```
   */
  reset(recipient: string, category?: TCategory): Promise<ResolvedPreferences<TSubscriber, TCategory>>;
}

/** Why `publish` sent a subscriber nothing: the recipient's choice or the category's default. */
export interface SkippedSubscriber {
  reason: "muted" | "off-by-default";
  /** Whose preferences were read. */
  recipient: string;
  /** The event's category. */
  category: string;
}

/**
 * The subscribers `publish` sent nothing because of preferences, by name. Subscribers left out by
 * `only` are not listed.
 */
export type PublishSkipped<TSubscriber extends string> = { [K in TSubscriber]?: SkippedSubscriber };
