import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type PayloadIssue, SwitchboardError } from "./errors/switchboard-error";

/** Any Standard Schema: zod 4, valibot, arktype, … */
export type AnySchema = StandardSchemaV1;

/** What a caller passes for a schema (before transforms and defaults). */
export type SchemaInput<S extends AnySchema> = StandardSchemaV1.InferInput<S>;

/** What a handler receives for a schema (after transforms and defaults). */
export type SchemaOutput<S extends AnySchema> = StandardSchemaV1.InferOutput<S>;

/** Checks at run time that `schema` is a Standard Schema, so untyped callers get a clear error. */
export function assertSchema(schema: unknown, owner: string): asserts schema is AnySchema {
  const standard = (schema as { "~standard"?: { validate?: unknown } } | null)?.["~standard"];
  if (typeof standard?.validate !== "function") {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${owner}: \`schema\` must be a Standard Schema such as a zod 4 schema (z.object({...})), valibot or arktype.`,
    );
  }
}

/**
 * Validates `value` against `schema`, returning the parsed output or throwing `INVALID_PAYLOAD`
 * with every issue and its path.
 */
export async function parsePayload<S extends AnySchema>(
  schema: S,
  value: unknown,
  owner: string,
): Promise<SchemaOutput<S>> {
  return validatePayload(schema, value, owner);
}

/**
 * {@link parsePayload} without a promise when the schema answers synchronously (zod does for a
 * schema without async refinements): what `dispatchMany` uses, so validating thousands of
 * payloads does not cost a promise and a microtask each. Throws `INVALID_PAYLOAD` synchronously
 * then, and rejects with it for an async schema.
 */
export function validatePayload<S extends AnySchema>(
  schema: S,
  value: unknown,
  owner: string,
): SchemaOutput<S> | Promise<SchemaOutput<S>> {
  const result = schema["~standard"].validate(value);
  return isPromiseLike(result) ? outcomeOf(result, owner) : outcome(result, owner);
}

/** {@link outcome} of an async validation (a separate function: no scope allocated per call). */
async function outcomeOf<S extends AnySchema>(
  validation: PromiseLike<StandardSchemaV1.Result<unknown>>,
  owner: string,
): Promise<SchemaOutput<S>> {
  return outcome(await validation, owner);
}

function outcome<S extends AnySchema>(
  result: StandardSchemaV1.Result<unknown>,
  owner: string,
): SchemaOutput<S> {
  if (!result.issues) return result.value as SchemaOutput<S>;
  const issues = result.issues.map(toPayloadIssue);
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: payload is invalid: ${summary}`, { issues });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function toPayloadIssue(issue: StandardSchemaV1.Issue): PayloadIssue {
  const path = (issue.path ?? [])
    .map((segment) => (typeof segment === "object" ? segment.key : segment))
    .map(String)
    .join(".");
  return { path, message: issue.message };
}
