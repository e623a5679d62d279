import { SwitchboardError } from "../errors/switchboard-error";

const FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;

/**
 * Checks that `cron` is a five-field expression with an optional `CRON_TZ=Area/City ` prefix, as
 * QStash accepts. QStash has one-minute resolution, so six-field (seconds) crons are rejected.
 */
export function checkCron(cron: unknown, owner: string): string {
  if (typeof cron !== "string") throw invalidCron(owner, String(cron));
  const withoutTz = cron.trim().replace(/^CRON_TZ=[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*\s+/, "");
  const fields = withoutTz.split(/\s+/);
  if (fields.length !== 5 || !fields.every((field) => FIELD.test(field))) throw invalidCron(owner, cron);
  return cron.trim();
}

function invalidCron(owner: string, cron: string): SwitchboardError {
  return new SwitchboardError(
    "INVALID_OPTIONS",
    `${owner}: cron "${cron}" is not a 5-field cron expression (minute hour day month weekday), e.g. "0 9 * * *". Prefix "CRON_TZ=Europe/Berlin " for a time zone.`,
  );
}
