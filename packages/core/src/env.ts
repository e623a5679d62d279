/** Environment variables as a plain record, e.g. Hono's `c.env` on Cloudflare Workers. */
export type EnvRecord = Record<string, unknown>;

/**
 * Reads an environment variable at call time: first the per-request `env` (edge runtimes hand env
 * in per request), then `process.env` where it exists. Never called at import.
 */
export function readEnv(name: string, env?: EnvRecord): string | undefined {
  const fromRequest = env?.[name];
  if (typeof fromRequest === "string" && fromRequest !== "") return fromRequest;
  const processEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = processEnv?.[name];
  return value === "" ? undefined : value;
}

/** `true` when running under `NODE_ENV=development` or `NODE_ENV=test`. */
export function isDevelopment(env?: EnvRecord): boolean {
  const mode = readEnv("NODE_ENV", env);
  return mode === "development" || mode === "test";
}
