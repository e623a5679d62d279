import { type EnvRecord, readEnv } from "./env";
import { SwitchboardError } from "./errors/switchboard-error";

/**
 * Whether development defaults apply to this call: `dev` from config wins (`true` on, `false`
 * off even when the env says otherwise); otherwise `SWITCHBOARD_DEV` (`1`/`true` on, `0`/`false`
 * or unset off). Read per call, so edge runtimes can hand env in per request. Throws
 * `CONFIGURATION` for any other value, and when development defaults are on under
 * `NODE_ENV=production`, so production never silently uses them.
 */
export function isDevMode(configDev: boolean | undefined, env?: EnvRecord): boolean {
  let on: boolean;
  let source: string;
  if (configDev !== undefined) {
    on = configDev;
    source = "`dev: true` (createSwitchboard)";
  } else {
    const value = readEnv("SWITCHBOARD_DEV", env)?.trim().toLowerCase();
    if (value === undefined || value === "0" || value === "false") return false;
    if (value !== "1" && value !== "true") {
      throw new SwitchboardError(
        "CONFIGURATION",
        `SWITCHBOARD_DEV must be 1 or true (or unset), got "${readEnv("SWITCHBOARD_DEV", env)}".`,
      );
    }
    on = true;
    source = "SWITCHBOARD_DEV";
  }
  if (on && readEnv("NODE_ENV", env) === "production") {
    throw new SwitchboardError(
      "CONFIGURATION",
      `${source} is set while NODE_ENV=production: development defaults (the local QStash at 127.0.0.1:8080, its public dev signing keys, a localhost route URL) must never serve production. Remove SWITCHBOARD_DEV in production (and \`dev: true\` from createSwitchboard), and set SWITCHBOARD_URL, QSTASH_TOKEN, QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY.`,
    );
  }
  return on;
}
