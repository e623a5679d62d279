import type { RouteTarget } from "@switchboard/wire";
import type { DeliveryContext, DeliveryFailure } from "./context";
import type { EnvRecord } from "./env";
import type { Runtime } from "./runtime";
import type { AnySchema } from "./schema";
import type { VerifiedDelivery } from "./workflow/workflow-delivery";

/** One thing the route can run for a target: a job, or one subscriber of a channel. Internal. */
export interface Endpoint {
  /** Fields added to the delivery context: `{ job }` or `{ channel, subscriber }`. */
  contextFields: Record<string, string>;
  /**
   * Reads the delivered JSON (for a hook: the original message's body) into what `run` and the
   * hooks receive as `payload`. `validate` is the route's own schema check (its errors answer 489).
   * Default: `validate(json)`.
   */
  prepare?(json: unknown, validate: (value: unknown) => Promise<unknown>): Promise<unknown>;
  run(payload: unknown, ctx: DeliveryContext, env?: EnvRecord): unknown;
  onSuccess?:
    | ((args: { payload: unknown; result: unknown; messageId: string; ctx: DeliveryContext }) => unknown)
    | undefined;
  onFailure?:
    | ((args: {
        payload: unknown;
        error: DeliveryFailure;
        messageId: string;
        ctx: DeliveryContext;
      }) => unknown)
    | undefined;
}

/** What the route needs to know about a job or channel. Internal. */
export interface Definition {
  kind: "job" | "channel" | "workflow";
  name: string;
  schema: AnySchema;
  runtime: Runtime;
  /** A channel's subscriber names, for messages that list what a route serves. */
  subscribers?: readonly string[];
  /** The endpoint for a target, or `undefined` when the target names something unknown. */
  endpoint(target: RouteTarget): Endpoint | undefined;
  /**
   * Takes over a verified delivery whole (workflows, whose body is the workflow protocol's, not a
   * payload). When set, the route calls it instead of parsing and running an endpoint.
   */
  deliver?(delivered: VerifiedDelivery): Promise<Response>;
}

const definitions = new WeakMap<object, Definition>();

/** Attaches the route-facing definition to a public job or channel object. */
export function register<T extends object>(publicObject: T, definition: Definition): T {
  definitions.set(publicObject, definition);
  return publicObject;
}

/** The definition behind a job or channel, or `undefined` for anything else. */
export function definitionOf(value: unknown): Definition | undefined {
  return typeof value === "object" && value !== null ? definitions.get(value) : undefined;
}
