import { describeTarget, HEADERS, nameOf, parseTarget, type RouteTarget } from "@switchboard/wire";
import type { Definition } from "../definition";
import { definitionOf } from "../definition";
import { type EnvRecord, isDevelopment } from "../env";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";
import { parsePayload } from "../schema";
import type { Channel } from "../sending/channel";
import type { Job } from "../sending/job";
import { traceDelivery } from "../tracing/trace-delivery";
import type { Workflow } from "../workflow/workflow-types";
import { readCallback } from "./callback";
import { deliveryContext } from "./delivery-context";
import { errorAnswer } from "./error-response";
import { notFound, servedBy } from "./not-found";
import { type FailedDelivery, logFailure } from "./refusal-log";
import { emptyAnswer, resultAnswer } from "./result-response";
import {
  fromFetchRequest,
  fromFetchResponse,
  type RouteAnswer,
  type RouteCore,
  toFetchResponse,
  withRouteCore,
} from "./route-request";
import {
  checkKeysAtStartup,
  missingKeys,
  refuseUnsignable,
  targetFromSignature,
  verifyDelivery,
} from "./verify-delivery";

/**
 * The jobs, channels and workflows one route serves. List each explicitly: there is no global registry.
 *
 * @example
 * ```ts
 * import type { RouteDefinitions } from "@switchboard/core";
 *
 * const served: RouteDefinitions = { jobs: [sendEmail], channels: [notify] };
 * export const { POST } = serve(sb, served);
 * ```
 */
export interface RouteDefinitions {
  jobs?: readonly Job[];
  channels?: readonly Channel[];
  /** Workflows made with `sb.createWorkflow`; they need `@upstash/workflow` installed. */
  workflows?: readonly Workflow[];
}

/**
 * The old name of {@link RouteDefinitions}.
 * @deprecated Use `RouteDefinitions`; `Routes` read as if it listed several routes, but there is one.
 */
export type Routes = RouteDefinitions;

/**
 * A fetch-style route handler. `env` is the per-request environment on runtimes that have one
 * (Cloudflare Workers through Hono); elsewhere env is read from `process.env`.
 */
export type FetchHandler = (request: Request, env?: EnvRecord) => Promise<Response>;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Builds the one route for a runtime. Internal: users call `sb.handler` or an adapter's `serve`. */
export function createRoute(runtime: Runtime, served: RouteDefinitions): FetchHandler {
  const definitions = collectDefinitions(runtime, served);
  const verify = runtime.config.verify !== false;
  if (verify) checkKeysAtStartup(runtime);
  const tolerance = runtime.config.clockTolerance ?? 5;

  // The route works on a `RouteRequest`: the fetch handler below maps a `Request` to it, and the
  // Node bridge maps a Node request to it directly (see `withRouteCore`).
  const answer: RouteCore = async function answerDelivery(request, env) {
    const development = isDevelopment(env);
    let target: RouteTarget | undefined;
    try {
      if (request.method !== "POST") {
        throw new SwitchboardError(
          "METHOD_NOT_ALLOWED",
          `Method ${request.method} is not allowed: QStash delivers with POST.`,
        );
      }
      const parsed = request.bodyParsed();
      if (parsed) throw parsed;
      const signature = request.header(HEADERS.signature);
      const keys = verify ? runtime.signingKeys(env) : undefined;
      if (verify) {
        if (!keys) throw missingKeys();
        refuseUnsignable(signature);
      }
      // The raw bytes, read once and at most `maxBodyBytes` of them: the signature covers them exactly.
      const body = await request.readBody(runtime.maxBodyBytes);
      target = parseTarget(request.searchParams());

      if (keys) {
        // A proxy may drop the query; the signed `sub` claim still names the target.
        target ??= targetFromSignature(signature);
        const expectedUrl = target ? runtime.destination(target, env) : undefined;
        await verifyDelivery({ signature, body, keys, expectedUrl, clockTolerance: tolerance });
      }

      if (!target) {
        throw new SwitchboardError(
          "NOT_FOUND",
          `The query must name \`job=<name>\`, \`channel=<name>&subscriber=<name>\` (optionally \`hook=success|failure\`) or \`workflow=<name>\`. This route serves ${servedBy(definitions)}.`,
        );
      }
      const definition = definitions.get(`${target.kind}:${nameOf(target)}`);
      if (definition?.deliver) {
        return await fromFetchResponse(await definition.deliver({ request: request.toRequest(), body, env }));
      }
      const endpoint = definition?.endpoint(target);
      const hookFn =
        target.hook === "success"
          ? endpoint?.onSuccess
          : target.hook === "failure"
            ? endpoint?.onFailure
            : undefined;
      if (!definition || !endpoint || (target.hook && !hookFn)) throw notFound(target, definitions);
      const owner = describeTarget(target);
      const json = parseJson(body, owner);

      const validate = (value: unknown) => parseDelivered(definition, value, owner);
      const prepare = (value: unknown) =>
        endpoint.prepare ? endpoint.prepare(value, validate) : validate(value);

      if (target.hook) {
        const callback = readCallback(json, owner);
        const payload = await prepare(callback.payload);
        const ctx = await deliveryContext(runtime, request, env, endpoint);
        await runHandler(() =>
          target?.hook === "success"
            ? endpoint.onSuccess!({ payload, result: callback.result, messageId: callback.messageId, ctx })
            : endpoint.onFailure!({ payload, error: callback.failure, messageId: callback.messageId, ctx }),
        );
        return emptyAnswer();
      }

      const payload = await prepare(json);
      const ctx = await deliveryContext(runtime, request, env, endpoint);
      const result = await traceDelivery(request, target, () =>
        runHandler(() => endpoint.run(payload, ctx, env)),
      );
      // Serialised outside runHandler: a result JSON cannot encode must never become a retry.
      return resultAnswer(result, owner, runtime.logger);
    } catch (error) {
      return failureAnswer(runtime, error, {
        target,
        messageId: request.header(HEADERS.messageId),
        development,
      });
    }
  };

  const switchboardRoute: FetchHandler = async (request, env) =>
    toFetchResponse(await answer(fromFetchRequest(request), env));
  return withRouteCore(switchboardRoute, answer);
}

/**
 * The answer for anything thrown on the way, logged first. User code is wrapped where it runs;
 * anything else failed before a handler ran (`ROUTE_FAILED`). Never throws: whatever was thrown
 * and whatever the logger does, the route answers its JSON error shape.
 */
function failureAnswer(runtime: Runtime, error: unknown, delivery: FailedDelivery): RouteAnswer {
  try {
    const failure = SwitchboardError.from(error, "ROUTE_FAILED");
    logFailure(runtime.logger, failure, delivery);
    return errorAnswer(failure, { exposeStack: delivery.development });
  } catch {
    return {
      status: 500,
      headers: { "Content-Type": "application/json" },
      body: encoder.encode('{"error":{"code":"ROUTE_FAILED","message":"The route failed."}}'),
    };
  }
}

/**
 * Runs user code (a handler or hook). `NonRetriableError` and `RetryAfterError` keep their
 * meaning; anything else, even a `SwitchboardError` from a nested dispatch, is `HANDLER_FAILED`,
 * so QStash retries it rather than reading it as this delivery's own refusal.
 */
async function runHandler<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isChosenOutcome(error)) throw error;
    throw new SwitchboardError("HANDLER_FAILED", describeThrown(error), { cause: error });
  }
}

/** `NonRetriableError` / `RetryAfterError`; `false` for anything else, even a value `instanceof` throws on. */
function isChosenOutcome(error: unknown): boolean {
  try {
    return (
      error instanceof SwitchboardError && (error.code === "NON_RETRIABLE" || error.code === "RETRY_LATER")
    );
  } catch {
    return false;
  }
}

/** Validates a delivered payload; a schema that throws (instead of reporting issues) is `ROUTE_FAILED`. */
async function parseDelivered(definition: Definition, value: unknown, owner: string): Promise<unknown> {
  try {
    return await parsePayload(definition.schema, value, owner);
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === "INVALID_PAYLOAD") {
      throw new SwitchboardError("INVALID_PAYLOAD", error.message, {
        issues: error.issues ?? [],
        fix: DELIVERY_SCHEMA_FIX,
      });
    }
    if (error instanceof RangeError) {
      // The schema recursed past the stack on this input (a payload nested thousands deep):
      // the input is at fault, and retrying it fails the same way.
      throw new SwitchboardError(
        "INVALID_PAYLOAD",
        `${owner}: the payload is nested too deeply to validate.`,
        {
          issues: [{ path: "", message: `The schema could not walk it: ${describeThrown(error)}` }],
          cause: error,
        },
      );
    }
    throw new SwitchboardError("ROUTE_FAILED", `${owner}: the schema threw: ${describeThrown(error)}`, {
      cause: error,
    });
  }
}

const DELIVERY_SCHEMA_FIX =
  "QStash will not retry this (489); the message is in the DLQ. If dispatch accepted this payload, it changed on its way through JSON (a Date arrives as a string: use z.coerce.date() or z.iso.datetime()), or the schema changed after the message was sent.";

function collectDefinitions(runtime: Runtime, routes: RouteDefinitions): Map<string, Definition> {
  if (routes === null || typeof routes !== "object") {
    throw new SwitchboardError("INVALID_OPTIONS", "handler: pass { jobs: [...], channels: [...] }.");
  }
  const map = new Map<string, Definition>();
  const add = (list: readonly unknown[] | undefined, kind: Definition["kind"]) => {
    if (list === undefined) return;
    if (!Array.isArray(list))
      throw new SwitchboardError("INVALID_OPTIONS", `handler: \`${kind}s\` must be an array.`);
    list.forEach((item, index) => {
      const definition = definitionOf(item);
      if (!definition || definition.kind !== kind) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `handler: ${kind}s[${index}] is not a ${kind} made with sb.create${kind[0]!.toUpperCase()}${kind.slice(1)}.`,
        );
      }
      if (definition.runtime !== runtime) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `handler: ${kind} "${definition.name}" was created by a different switchboard; serve it from that switchboard's handler.`,
        );
      }
      const key = `${kind}:${definition.name}`;
      if (map.has(key)) {
        throw new SwitchboardError(
          "INVALID_OPTIONS",
          `handler: two ${kind}s are named "${definition.name}". Names must be unique per route; rename one.`,
        );
      }
      map.set(key, definition);
    });
  };
  add(routes.jobs, "job");
  add(routes.channels, "channel");
  add(routes.workflows, "workflow");
  if (map.size === 0) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      "handler: list at least one job or channel (or workflow): { jobs: [sendEmail] }.",
    );
  }
  return map;
}

function parseJson(body: Uint8Array, owner: string): unknown {
  const text = decoder.decode(body);
  try {
    return JSON.parse(text);
  } catch {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: the body is not JSON.`, {
      issues: [{ path: "", message: "Body is not valid JSON" }],
    });
  }
}
