import { parseCron } from "../engine/cron-runner";
import type { DevState } from "./model";

/** One kind of stored state: `messages`, `dlq`, `schedules`, `queues`, `topics`, `dedup`. */
export type StateKind = keyof DevState;

/** One line of `journal.jsonl`: an idempotent put or delete. */
export type JournalRecord =
  | { op: "put"; kind: StateKind; id: string; value: unknown }
  | { op: "del"; kind: StateKind; id: string };

export const STATE_KINDS: readonly StateKind[] = [
  "messages",
  "dlq",
  "schedules",
  "queues",
  "topics",
  "dedup",
];

/**
 * Checks that a parsed journal line is a record this server wrote: `op`, `kind` and `id`, and for
 * a put a value with every field the server relies on, of the right type (times finite numbers).
 * A record that fails is never half-applied: the caller stops with file and line instead of
 * crashing later on a missing field.
 *
 * @throws Error saying which field is wrong.
 *
 * @example
 * ```ts
 * const record = checkJournalRecord(JSON.parse(line));
 * ```
 */
export function checkJournalRecord(raw: unknown): JournalRecord {
  if (!isObject(raw)) throw new Error("not a journal record (an object with op, kind and id)");
  const { op, kind, id } = raw;
  if (op !== "put" && op !== "del") throw new Error(`"op" must be "put" or "del", got ${show(op)}`);
  if (typeof kind !== "string" || !(STATE_KINDS as readonly string[]).includes(kind))
    throw new Error(`"kind" must be one of ${STATE_KINDS.join(", ")}, got ${show(kind)}`);
  if (typeof id !== "string") throw new Error(`"id" must be a string, got ${show(id)}`);
  if (op === "del") return { op, kind: kind as StateKind, id };
  checkStateValue(kind as StateKind, id, raw.value);
  return { op, kind: kind as StateKind, id, value: raw.value };
}

/**
 * Checks one stored value of `kind` under `id` (a journal put or a snapshot entry).
 *
 * @throws Error naming the kind, the id and the field.
 */
export function checkStateValue(kind: StateKind, id: string, value: unknown): void {
  try {
    if (!isObject(value)) throw new Error("the value must be an object");
    CHECKS[kind](value, id);
  } catch (error) {
    throw new Error(`${kind} "${id}": ${(error as Error).message}`);
  }
}

type Fields = Record<string, unknown>;

const CHECKS: Record<StateKind, (value: Fields, id: string) => void> = {
  messages(value, id) {
    checkMessage(value);
    sameId(value, "messageId", id);
  },
  dlq(value, id) {
    checkMessage(value);
    string(value, "dlqId");
    sameId(value, "dlqId", id);
    finite(value, "responseStatus");
    headerMap(value, "responseHeader");
    string(value, "responseBody");
    finite(value, "failedAt");
  },
  schedules(value, id) {
    for (const name of ["scheduleId", "cron", "destination", "method", "body", "callerIp"])
      string(value, name);
    sameId(value, "scheduleId", id);
    headerMap(value, "header");
    wholeNumber(value, "retries");
    if (typeof value.isPaused !== "boolean") throw new Error(`"isPaused" must be true or false`);
    finite(value, "createdAt");
    for (const name of [
      "delaySeconds",
      "timeoutSeconds",
      "lastScheduleTime",
      "parallelism",
      "rate",
      "periodSeconds",
    ])
      optionalFinite(value, name);
    optionalStrings(value, [
      "retryDelay",
      "callback",
      "failureCallback",
      "queueName",
      "label",
      "flowControlKey",
    ]);
    parseCron(value.cron as string); // a cron it cannot run would stop start-up later, without a line number
  },
  queues(value, id) {
    string(value, "name");
    sameId(value, "name", id);
    wholeNumber(value, "parallelism");
    if (typeof value.paused !== "boolean") throw new Error(`"paused" must be true or false`);
    finite(value, "createdAt");
    optionalFinite(value, "updatedAt");
  },
  topics(value, id) {
    string(value, "name");
    sameId(value, "name", id);
    if (!Array.isArray(value.endpoints)) throw new Error(`"endpoints" must be an array`);
    for (const endpoint of value.endpoints as unknown[]) {
      if (!isObject(endpoint) || typeof endpoint.url !== "string")
        throw new Error(`"endpoints" must hold objects with a string "url"`);
      optionalStrings(endpoint, ["name"]);
    }
    finite(value, "createdAt");
    optionalFinite(value, "updatedAt");
  },
  dedup(value) {
    string(value, "messageId");
    finite(value, "expires");
  },
};

function checkMessage(value: Fields): void {
  for (const name of ["messageId", "url", "method", "body", "callerIp"]) string(value, name);
  headerMap(value, "header");
  wholeNumber(value, "retries");
  wholeNumber(value, "retried");
  finite(value, "notBefore");
  finite(value, "createdAt");
  for (const name of ["timeoutSeconds", "parallelism", "rate", "periodSeconds"]) optionalFinite(value, name);
  optionalStrings(value, [
    "retryDelay",
    "callback",
    "failureCallback",
    "queueName",
    "topicName",
    "endpointName",
    "scheduleId",
    "label",
    "flowControlKey",
  ]);
  for (const name of ["callbackOptions", "failureCallbackOptions", "callbackOf"])
    if (value[name] !== undefined && !isObject(value[name])) throw new Error(`"${name}" must be an object`);
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function string(value: Fields, name: string): void {
  if (typeof value[name] !== "string")
    throw new Error(`"${name}" must be a string, got ${show(value[name])}`);
}

function optionalStrings(value: Fields, names: string[]): void {
  for (const name of names)
    if (value[name] !== undefined && value[name] !== null && typeof value[name] !== "string")
      throw new Error(`"${name}" must be a string, got ${show(value[name])}`);
}

function finite(value: Fields, name: string): void {
  if (typeof value[name] !== "number" || !Number.isFinite(value[name]))
    throw new Error(`"${name}" must be a finite number, got ${show(value[name])}`);
}

function optionalFinite(value: Fields, name: string): void {
  if (value[name] !== undefined && value[name] !== null) finite(value, name);
}

function wholeNumber(value: Fields, name: string): void {
  if (!Number.isInteger(value[name]) || (value[name] as number) < 0)
    throw new Error(`"${name}" must be a whole number >= 0, got ${show(value[name])}`);
}

function headerMap(value: Fields, name: string): void {
  const map = value[name];
  const ok =
    isObject(map) &&
    Object.values(map).every((v) => Array.isArray(v) && v.every((s) => typeof s === "string"));
  if (!ok) throw new Error(`"${name}" must map header names to arrays of strings, got ${show(map)}`);
}

function sameId(value: Fields, name: string, id: string): void {
  if (value[name] !== id) throw new Error(`"${name}" ${show(value[name])} does not match the record's id`);
}
