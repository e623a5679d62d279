import { SwitchboardError } from "../switchboard-error";

/** The event id QStash keys waiters by: one namespace per workflow, narrowed by `key`. */
export function eventIdOf(workflow: string, event: string, key: string | undefined): string {
  const base = `${workflow}.${encodeURIComponent(event)}`;
  return key === undefined ? base : `${base}.${encodeURIComponent(key)}`;
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
