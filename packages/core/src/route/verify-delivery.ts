import {
  parseTarget,
  type RouteTarget,
  type SigningKeys,
  signatureShapeProblem,
  unverifiedClaims,
  verifySignature,
} from "@switchboard/wire";
import { isDevelopment, readEnv } from "../env";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";

/**
 * Refuses a request whose `Upstash-Signature` cannot be a signature whatever the body is, before
 * a byte of the body is read: a request never signed costs only its headers.
 */
export function refuseUnsignable(signature: string | null): void {
  const shape = signatureShapeProblem(signature);
  if (shape && !shape.ok) throw unauthorized(shape.reason, shape.fix);
}

/** Options for {@link verifyDelivery}. */
export interface VerifyDeliveryInput {
  signature: string | null;
  body: Uint8Array<ArrayBuffer>;
  keys: SigningKeys;
  /** The URL the route computed for the target; `undefined` when the target is unknown. */
  expectedUrl: string | undefined;
  clockTolerance: number;
}

/** Verifies a delivery's signature; `UNAUTHORIZED` (401) with the reason and fix when it fails. */
export async function verifyDelivery(input: VerifyDeliveryInput): Promise<void> {
  const result = await verifySignature(input).catch(verifierFailed);
  if (!result.ok) throw unauthorized(result.reason, result.fix);
}

/** The target named by the signed `sub` claim, for when a proxy dropped the query. Not verified. */
export function targetFromSignature(signature: string | null): RouteTarget | undefined {
  const sub = unverifiedClaims(signature)?.sub;
  if (typeof sub !== "string") return undefined;
  try {
    return parseTarget(new URL(sub).searchParams);
  } catch {
    return undefined;
  }
}

/** `CONFIGURATION`: the route has no signing keys to verify with. */
export function missingKeys(): SwitchboardError {
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
export function checkKeysAtStartup(runtime: Runtime): void {
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

function unauthorized(reason: string, fix: string | undefined): SwitchboardError {
  return new SwitchboardError("UNAUTHORIZED", reason, fix ? { fix } : {});
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
