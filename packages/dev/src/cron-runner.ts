import { Cron } from "croner";
import { DevServerError } from "./dev-server-error";
import type { StoredSchedule } from "./model";

/** Splits QStash's optional `CRON_TZ=Area/City ` prefix from a cron expression. */
export function parseCron(expression: string): { pattern: string; timezone?: string } {
  const match = /^CRON_TZ=(\S+)\s+(.+)$/.exec(expression.trim());
  const pattern = (match ? match[2]! : expression).trim();
  const timezone = match?.[1];
  if (pattern.split(/\s+/).length !== 5) {
    throw new DevServerError(
      400,
      `Upstash-Cron: "${expression}" must have 5 fields (minute hour day month weekday).`,
    );
  }
  if (timezone) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new DevServerError(
        400,
        `Upstash-Cron: "${expression}" is invalid: CRON_TZ=${timezone} is not an IANA time zone (e.g. Europe/Berlin).`,
      );
    }
  }
  try {
    new Cron(pattern, timezone ? { timezone, paused: true } : { paused: true }).stop();
  } catch (error) {
    throw new DevServerError(400, `Upstash-Cron: "${expression}" is invalid: ${(error as Error).message}`);
  }
  return timezone ? { pattern, timezone } : { pattern };
}

/**
 * Fires schedules on their cron. With `speed` > 1 time runs faster: each schedule keeps a virtual
 * clock that advances from one cron time to the next, and the real wait between them is divided
 * by `speed`.
 */
export class CronRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly clocks = new Map<string, number>();

  constructor(
    private readonly speed: number,
    private readonly fire: (schedule: StoredSchedule) => void,
  ) {}

  start(schedule: StoredSchedule): void {
    this.stop(schedule.scheduleId);
    if (schedule.isPaused) return;
    const { pattern, timezone } = parseCron(schedule.cron);
    const cron = new Cron(pattern, timezone ? { timezone, paused: true } : { paused: true });
    const tick = () => {
      const now = this.clocks.get(schedule.scheduleId) ?? Date.now();
      const next = cron.nextRun(new Date(now))?.getTime();
      if (next === undefined) return;
      const wait = Math.max(0, (next - now) / this.speed);
      this.timers.set(
        schedule.scheduleId,
        setTimeout(
          () => {
            this.clocks.set(schedule.scheduleId, next);
            this.fire(schedule);
            tick();
          },
          Math.min(wait, 2_000_000_000),
        ),
      );
    };
    this.clocks.set(schedule.scheduleId, Date.now());
    tick();
  }

  /** The next run of a schedule in real time, if it is running. */
  nextRun(schedule: StoredSchedule): number | undefined {
    if (schedule.isPaused) return undefined;
    const { pattern, timezone } = parseCron(schedule.cron);
    return new Cron(pattern, timezone ? { timezone, paused: true } : { paused: true }).nextRun()?.getTime();
  }

  stop(scheduleId: string): void {
    clearTimeout(this.timers.get(scheduleId));
    this.timers.delete(scheduleId);
    this.clocks.delete(scheduleId);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
