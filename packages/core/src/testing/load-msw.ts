import { SwitchboardError } from "../errors/switchboard-error";

type Msw = typeof import("msw");

interface NodeModule {
  createRequire(from: string): (id: string) => unknown;
}

/**
 * Loads msw (an optional peer dependency) when {@link mockQStash} is called, synchronously so
 * `mockQStash()` stays synchronous. It resolves from the project's working directory first (the
 * msw your tests' `setupServer` comes from), then from Switchboard's own location.
 */
export function loadMsw(): Msw {
  const nodeModule = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.("node:module") as NodeModule | undefined;
  if (!nodeModule) {
    throw new SwitchboardError(
      "CONFIGURATION",
      "mockQStash needs Node.js 20.16 or later (it loads msw through node:module). createSignedRequest works everywhere.",
    );
  }
  const errors: unknown[] = [];
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
  for (const from of [cwd ? `${cwd}/` : undefined, moduleLocation()]) {
    if (!from) continue;
    try {
      return nodeModule.createRequire(from)("msw") as Msw;
    } catch (error) {
      errors.push(error);
    }
  }
  throw new SwitchboardError(
    "CONFIGURATION",
    "mockQStash needs msw: install it as a dev dependency (npm i -D msw). Only mockQStash needs it; createSignedRequest does not.",
    { cause: errors.at(-1) },
  );
}

/** This module's own file, in both the ESM and the CJS build. */
function moduleLocation(): string | undefined {
  if (typeof __filename === "string") return __filename;
  try {
    return import.meta.url;
  } catch {
    return undefined;
  }
}
