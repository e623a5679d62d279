import { FeedError } from "./feed-error";
import type { FeedActor, FeedStatus } from "./feed-item";

// The feed's input checks, shared by the methods and the handler. Each says what to fix.

/** Ids one call may name (mark, archive, remove): a bound on one script's work. */
export const MAX_IDS = 1000;

/** The statuses `list` filters by. */
export const STATUSES: readonly FeedStatus[] = ["inbox", "unread", "unseen", "archived", "all"];

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkRecipient(recipient: unknown): asserts recipient is string {
  if (typeof recipient !== "string" || recipient === "") {
    throw new FeedError("The recipient must be a non-empty string, e.g. the signed-in user's id.");
  }
  if (recipient.length > 200)
    throw new FeedError("The recipient id is longer than 200 characters; use a user id, not a payload.");
  if (CONTROL.test(recipient)) throw new FeedError("The recipient id contains control characters.");
}

/** `ids` is a list of item ids (or "all" where `all` allows it). */
export function checkIds(
  ids: unknown,
  where: string,
  all: boolean,
): asserts ids is readonly number[] | "all" {
  if (all && ids === "all") return;
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new FeedError(`${where}: pass an array of item ids (whole numbers > 0)${all ? ', or "all"' : ""}.`);
  }
  if (ids.length > MAX_IDS)
    throw new FeedError(
      `${where}: pass at most ${MAX_IDS} ids per call (got ${ids.length}); split the list.`,
    );
}

/** A copy of the actor with only its known fields, or a FeedError saying what to fix. */
export function checkActor(actor: unknown): FeedActor {
  if (actor === null || typeof actor !== "object" || Array.isArray(actor))
    throw new FeedError('push: actor must be an object like { id: "u_1", name: "Ada" }.');
  const { id, name, avatarUrl } = actor as Record<string, unknown>;
  if (typeof id !== "string" || id === "" || id.length > 200)
    throw new FeedError(
      "push: actor.id must be a non-empty string of at most 200 characters (the actor's user id).",
    );
  const out: FeedActor = { id };
  if (name !== undefined) {
    if (typeof name !== "string" || name.length > 200)
      throw new FeedError("push: actor.name must be a string of at most 200 characters, or left out.");
    out.name = name;
  }
  if (avatarUrl !== undefined) {
    if (typeof avatarUrl !== "string" || avatarUrl.length > 2048)
      throw new FeedError(
        "push: actor.avatarUrl must be a URL string of at most 2048 characters, or left out.",
      );
    out.avatarUrl = avatarUrl;
  }
  return out;
}

export function checkCategory(category: unknown, where: string): asserts category is string {
  if (typeof category !== "string" || category === "" || category.length > 100 || CONTROL.test(category))
    throw new FeedError(
      `${where}: category must be a non-empty string of at most 100 characters without control characters, e.g. "comments".`,
    );
}

export function checkStatus(status: unknown): asserts status is FeedStatus {
  if (!STATUSES.includes(status as FeedStatus))
    throw new FeedError(`list: status must be one of ${STATUSES.map((s) => `"${s}"`).join(", ")}.`);
}

export function checkDedupeKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key === "" || key.length > 200 || CONTROL.test(key))
    throw new FeedError(
      "push: dedupeKey must be a non-empty string of at most 200 characters without control characters, e.g. the delivery's messageId.",
    );
}
