import { scriptSha } from "./script-sha";
import { WireError } from "./wire-error";

/** How a driver sends one EVALSHA or EVAL: `argv` is `[numkeys, ...keys, ...args]`, all text. */
export type SendScript = (
  command: "EVALSHA" | "EVAL",
  scriptOrSha: string,
  argv: string[],
) => Promise<unknown>;

/**
 * Runs `script` as EVALSHA, and as EVAL only when Redis answers NOSCRIPT (its script cache was
 * flushed, or this is its first run there): after the first call a script costs one round trip
 * and 40 bytes of name instead of its whole text. Checks the arguments first, so a mistake in a
 * store is a clear {@link WireError}, never a half-sent command.
 *
 * @example
 * ```ts
 * import { evalScript } from "./eval-script";
 * await evalScript((command, s, argv) => client.call(command, s, ...argv), "return 1", [], []);
 * ```
 */
export async function evalScript(
  send: SendScript,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const argv = checkedArgv(script, keys, args);
  const sha = await scriptSha(script);
  try {
    return await send("EVALSHA", sha, argv);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return await send("EVAL", script, argv);
  }
}

/** Whether `error` is Redis's NOSCRIPT (possibly wrapped, as `@upstash/redis` does). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && /\bNOSCRIPT\b/.test(error.message);
}

function checkedArgv(script: string, keys: readonly string[], args: readonly (string | number)[]): string[] {
  if (typeof script !== "string" || script.trim() === "")
    throw new WireError(
      "script",
      "eval: script must be the Lua source text, e.g. \"return redis.call('GET', KEYS[1])\".",
    );
  if (!Array.isArray(keys))
    throw new WireError("keys", "eval: keys must be an array of key names ([] for none).");
  if (!Array.isArray(args))
    throw new WireError("args", "eval: args must be an array of strings or finite numbers ([] for none).");
  const argv: string[] = [String(keys.length)];
  for (const [i, key] of keys.entries()) {
    if (typeof key !== "string" || key === "")
      throw new WireError("keys", `eval: keys[${i}] must be a non-empty string, got ${describe(key)}.`);
    argv.push(key);
  }
  for (const [i, arg] of args.entries()) {
    if (typeof arg === "string") argv.push(arg);
    else if (typeof arg === "number" && Number.isFinite(arg)) argv.push(String(arg));
    else
      throw new WireError(
        "args",
        `eval: args[${i}] must be a string or a finite number, got ${describe(arg)}; JSON.stringify objects first.`,
      );
  }
  return argv;
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return '""';
  return value === null ? "null" : typeof value;
}
