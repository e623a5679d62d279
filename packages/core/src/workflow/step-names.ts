import { toBase64Url } from "@switchboard/wire";
import { SwitchboardError } from "../errors/switchboard-error";

const encoder = new TextEncoder();

/**
 * The event id QStash keys waiters by: one namespace per workflow, narrowed by `key`. The id
 * travels in URL paths (`/v2/notify/{eventId}`) and in JSON, so it holds only URL-safe
 * characters: workflow and event names are, and the key is base64url-encoded.
 */
export function eventIdOf(workflow: string, event: string, key: string | undefined): string {
  const base = `${workflow}.${event}`;
  return key === undefined ? base : `${base}.${toBase64Url(encoder.encode(key))}`;
}

/** Checks a step id: a non-empty string, since it names the step in the run's history. */
export function checkStepId(id: unknown, owner: string): string {
  if (typeof id !== "string" || id.trim() === "") {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: a step id must be a non-empty string.`);
  }
  return id;
}

/** Checks a `key` for events: a non-empty string when given. */
export function checkEventKey(key: unknown, owner: string): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || key === "") {
    throw new SwitchboardError("INVALID_OPTIONS", `${owner}: an event key must be a non-empty string.`);
  }
  return key;
}
