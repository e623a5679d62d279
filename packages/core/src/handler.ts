import { fromBase64 } from "./base64";
import { bodyAlreadyParsed, bodyParsedHelpOf } from "./body-already-parsed";
import type { Channel } from "./channel";
import type { DeliveryContext, DeliveryFailure } from "./context";
import { type Definition, definitionOf, type Endpoint } from "./definition";
import { describeThrown } from "./describe-thrown";
import { describeTarget, nameOf, parseTarget, type RouteTarget } from "./destination";
import { DEFAULT_RETRIES, MAX_RETRIES_HEADER } from "./dispatch-options";
import { type EnvRecord, isDevelopment, readEnv } from "./env";
import { errorResponse } from "./error-response";
import type { Job } from "./job";
import { notFound, servedBy } from "./not-found";
import { readBoundedBody } from "./read-body";
import { type FailedDelivery, logFailure } from "./refusal-log";
import { resultResponse } from "./result-response";
import type { Runtime } from "./runtime";
import { parsePayload } from "./schema";
import { signatureShapeProblem, verifySignature } from "./signature";
import { SwitchboardError } from "./switchboard-error";
import type { Workflow } from "./workflow/workflow-types";

/** The jobs, channels and workflows one route serves. List each explicitly: there is no global registry. */
export interface Routes {
  jobs?: readonly Job[];
  channels?: readonly Channel[];
  /** Workflows made with `sb.createWorkflow`; they need `@upstash/workflow` installed. */
  workflows?: readonly Workflow[];
}

/**
 * A fetch-style route handler. `env` is the per-request environment on runtimes that have one
 * (Cloudflare Workers through Hono); elsewhere env is read from `process.env`.
 */
export type FetchHandler = (request: Request, env?: EnvRecord) => Promise<Response>;

const decoder = new TextDecoder();

/** Builds the one route for a runtime. Internal: users call `sb.handler` or an adapter's `serve`. */
export function createHandler(runtime: Runtime, routes: Routes): FetchHandler {
  const definitions = collectDefinitions(runtime, routes);
  const verify = runtime.config.verify !== false;
  if (verify) checkKeysAtStartup(runtime);
  const tolerance = runtime.config.clockTolerance ?? 5;

  return async function switchboardHandler(request, env) {
    const development = isDevelopment(env);
    let target: RouteTarget | undefined;
    try {
      if (request.method !== "POST") {
        throw new SwitchboardError(
          "METHOD_NOT_ALLOWED",
          `Method ${request.method} is not allowed: QStash delivers with POST.`,
        );
      }
      if (request.bodyUsed) throw bodyAlreadyParsed(bodyParsedHelpOf(request));
      const signature = request.headers.get("upstash-signature");
      const keys = verify ? runtime.signingKeys(env) : undefined;
      if (verify) {
        if (!keys) throw missingKeys();
        // Refused before a byte of the body is read: a request never signed costs only its headers.
        const shape = signatureShapeProblem(signature);
        if (shape && !shape.ok) throw unauthorized(shape.reason, shape.fix);
      }
      // The raw bytes, read once and at most `maxBodyBytes` of them: the signature covers them exactly.
      const body = await readBoundedBody(request, runtime.maxBodyBytes);
      target = parseTarget(new URL(request.url).searchParams);

      if (keys) {
        // A proxy may drop the query; the signed `sub` claim still names the target.
        target ??= targetFromSignature(signature);
        const expectedUrl = target ? runtime.destination(target, env) : undefined;
        const result = await verifySignature({
          signature,
          body,
          keys,
          expectedUrl,
          clockTolerance: tolerance,
        }).catch(verifierFailed);
        if (!result.ok) throw unauthorized(result.reason, result.fix);
      }

      if (!target) {
        throw new SwitchboardError(
          "NOT_FOUND",
          `The query must name \`job=<name>\`, \`channel=<name>&subscriber=<name>\` (optionally \`hook=success|failure\`) or \`workflow=<name>\`. This route serves ${servedBy(definitions)}.`,
        );
      }
      const definition = definitions.get(`${target.kind}:${nameOf(target)}`);
      if (definition?.deliver) return await definition.deliver({ request, body, env });
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

      if (target.hook) {
        const callback = parseCallback(json, owner);
        const payload = await parseDelivered(definition, callback.payload, owner);
        const ctx = await buildContext(runtime, request, env, endpoint);
        await runHandler(() =>
          target?.hook === "success"
            ? endpoint.onSuccess!({ payload, result: callback.result, messageId: callback.messageId, ctx })
            : endpoint.onFailure!({ payload, error: callback.failure, messageId: callback.messageId, ctx }),
        );
        return new Response(null, { status: 200 });
      }

      const payload = await parseDelivered(definition, json, owner);
      const ctx = await buildContext(runtime, request, env, endpoint);
      const result = await runHandler(() => endpoint.run(payload, ctx));
      // Serialised outside runHandler: a result JSON cannot encode must never become a retry.
      return resultResponse(result, owner, runtime.logger);
    } catch (error) {
      return failureResponse(runtime, error, {
        target,
        messageId: request.headers.get("upstash-message-id"),
        development,
      });
    }
  };
}

/**
 * The answer for anything thrown on the way, logged first. User code is wrapped where it runs;
 * anything else failed before a handler ran (`ROUTE_FAILED`). Never throws: whatever was thrown
 * and whatever the logger does, the route answers its JSON error shape.
 */
function failureResponse(runtime: Runtime, error: unknown, delivery: FailedDelivery): Response {
  try {
    const failure = SwitchboardError.from(error, "ROUTE_FAILED");
    logFailure(runtime.logger, failure, delivery);
    return errorResponse(failure, { exposeStack: delivery.development });
  } catch {
    return new Response('{"error":{"code":"ROUTE_FAILED","message":"The route failed."}}', {
      status: 500,
      headers: { "Content-Type": "application/json" },
    });
  }
}

function unauthorized(reason: string, fix: string | undefined): SwitchboardError {
  return new SwitchboardError("UNAUTHORIZED", reason, fix ? { fix } : {});
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

function collectDefinitions(runtime: Runtime, routes: Routes): Map<string, Definition> {
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

/** `verifySignature` answers bad input with a result, so a throw means this runtime's crypto failed. */
function verifierFailed(error: unknown): never {
  const message = describeThrown(error);
  throw new SwitchboardError(
    "CONFIGURATION",
    `The signature could not be checked on this runtime (its crypto failed, before any handler ran): ${message}`,
    { cause: error },
  );
}

function missingKeys(): SwitchboardError {
  return new SwitchboardError(
    "CONFIGURATION",
    "No QStash signing keys: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY (QStash console, or the values `switchboard dev` prints), or pass `signingKeys` to createSwitchboard. To skip verification behind another auth layer, pass `verify: false` explicitly.",
  );
}

/**
 * Without keys the route must not start in production. In development and test it warns instead
 * (every request is still refused), and during `next build` or on edge runtimes, where env only
 * arrives with the request, the check waits for the first request.
 */
function checkKeysAtStartup(runtime: Runtime): void {
  if (runtime.config.signingKeys) return;
  const processEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const onWorkers =
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";
  if (!processEnv || onWorkers) return;
  if (readEnv("NEXT_PHASE") === "phase-production-build") return;
  // Dev defaults count as keys; SWITCHBOARD_DEV under NODE_ENV=production throws here.
  if (runtime.signingKeys()) return;
  if (isDevelopment()) {
    runtime.logger.warn(`[switchboard] ${missingKeys().message} Until then every delivery is refused.`);
    return;
  }
  throw missingKeys();
}

function targetFromSignature(signature: string | null): RouteTarget | undefined {
  const claims = signature?.split(".")[1];
  if (!claims) return undefined;
  try {
    const { sub } = JSON.parse(decoder.decode(fromBase64(claims.replace(/-/g, "+").replace(/_/g, "/")))) as {
      sub?: unknown;
    };
    return typeof sub === "string" ? parseTarget(new URL(sub).searchParams) : undefined;
  } catch {
    return undefined;
  }
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

async function buildContext(
  runtime: Runtime,
  request: Request,
  env: EnvRecord | undefined,
  endpoint: Endpoint,
): Promise<DeliveryContext> {
  const retried = toCount(request.headers.get("upstash-retried")) ?? 0;
  const maxRetries = toCount(request.headers.get(MAX_RETRIES_HEADER)) ?? DEFAULT_RETRIES;
  let extra: object = {};
  try {
    if (runtime.config.context) extra = await runtime.config.context({ request, env });
  } catch (error) {
    // The handler never ran: do not report it as the handler's failure.
    throw new SwitchboardError(
      "ROUTE_FAILED",
      `The \`context\` factory of createSwitchboard threw: ${describeThrown(error)}`,
      {
        cause: error,
      },
    );
  }
  return {
    ...extra,
    ...endpoint.contextFields,
    messageId: request.headers.get("upstash-message-id") ?? "",
    attempt: retried + 1,
    retried,
    maxRetries,
    isLastAttempt: retried >= maxRetries,
    scheduleId: request.headers.get("upstash-schedule-id") ?? undefined,
    signal: request.signal,
    headers: request.headers,
  };
}

function toCount(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

interface DecodedCallback {
  payload: unknown;
  messageId: string;
  result: unknown;
  failure: DeliveryFailure;
}

/** Decodes QStash's callback body: `sourceBody` and `body` are base64 of the original request and response. */
function parseCallback(json: unknown, owner: string): DecodedCallback {
  const callback = json as Record<string, unknown> | null;
  if (!callback || typeof callback !== "object" || typeof callback.sourceBody !== "string") {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: not a QStash callback body (no sourceBody).`, {
      issues: [{ path: "sourceBody", message: "Expected QStash's base64 sourceBody" }],
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(fromBase64(callback.sourceBody)));
  } catch {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: the callback's sourceBody is not base64 JSON.`, {
      issues: [{ path: "sourceBody", message: "Expected base64 of the original JSON payload" }],
    });
  }
  const responseText = typeof callback.body === "string" ? safeDecode(callback.body) : "";
  const responseJson = tryJson(responseText);
  const errorMessage = (responseJson as { error?: { message?: unknown } } | undefined)?.error?.message;
  return {
    payload,
    messageId: typeof callback.sourceMessageId === "string" ? callback.sourceMessageId : "",
    result: responseText === "" ? undefined : (responseJson ?? responseText),
    failure: {
      status: typeof callback.status === "number" ? callback.status : 0,
      message: typeof errorMessage === "string" ? errorMessage : responseText,
      body: responseText,
      retried: typeof callback.retried === "number" ? callback.retried : 0,
      maxRetries: typeof callback.maxRetries === "number" ? callback.maxRetries : DEFAULT_RETRIES,
      dlqId: typeof callback.dlqId === "string" ? callback.dlqId : undefined,
    },
  };
}

function safeDecode(base64: string): string {
  try {
    return decoder.decode(fromBase64(base64));
  } catch {
    return "";
  }
}

function tryJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
