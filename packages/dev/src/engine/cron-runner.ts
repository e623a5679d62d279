import { Cron } from "croner";
import { DevServerError } from "../dev-server-error";
import type { StoredSchedule } from "../store/model";

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
    new Cron(pattern, { timezone: timezone ?? "UTC", paused: true }).stop();
  } catch (error) {
    throw new DevServerError(400, `Upstash-Cron: "${expression}" is invalid: ${(error as Error).message}`);
  }
  return timezone ? { pattern, timezone } : { pattern };
}

/** The longest single wait handed to `setTimeout`: Node fires at once past 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2_000_000_000;

/** A croner instance for a schedule's cron; without `CRON_TZ=` it runs in UTC, as QStash does. */
function cronFor(expression: string): Cron {
  const { pattern, timezone } = parseCron(expression);
  return new Cron(pattern, { timezone: timezone ?? "UTC", paused: true });
}

/**
 * Fires schedules on their cron. With `speed` > 1 time runs faster: each schedule keeps a virtual
 * clock that advances from one cron time to the next, and the real wait between them is divided
 * by `speed`. Waits longer than a Node timer can hold are taken in steps, so a yearly cron fires on
 * its day. A `fire` that throws is reported to `onError` and the schedule keeps running.
 *
 * @example
 * ```ts
 * const runner = new CronRunner(1, (schedule) => publishFrom(schedule), (schedule, error) => log(error));
 * runner.start(schedule);
 * ```
 */
export class CronRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly clocks = new Map<string, number>();

  constructor(
    private readonly speed: number,
    private readonly fire: (schedule: StoredSchedule) => void,
    private readonly onError: (schedule: StoredSchedule, error: unknown) => void = (schedule, error) =>
      console.error(`switchboard dev: schedule ${schedule.scheduleId} failed to fire: ${String(error)}`),
  ) {}

  start(schedule: StoredSchedule): void {
    this.stop(schedule.scheduleId);
    if (schedule.isPaused) return;
    const cron = cronFor(schedule.cron);
    const { scheduleId } = schedule;
    const tick = () => {
      const now = this.clocks.get(scheduleId) ?? Date.now();
      const next = cron.nextRun(new Date(now))?.getTime();
      if (next === undefined) return;
      const dueAt = Date.now() + Math.max(0, (next - now) / this.speed);
      const wait = () => {
        const remaining = dueAt - Date.now();
        this.timers.set(
          scheduleId,
          setTimeout(
            () => {
              if (Date.now() < dueAt) return wait(); // one step of a wait longer than a timer holds
              this.clocks.set(scheduleId, next);
              try {
                this.fire(schedule);
              } catch (error) {
                this.onError(schedule, error);
              }
              tick();
            },
            Math.min(Math.max(0, remaining), MAX_TIMER_MS),
          ),
        );
      };
      wait();
    };
    this.clocks.set(scheduleId, Date.now());
    tick();
  }

  /** The next run of a schedule in real time, if it is running. */
  nextRun(schedule: StoredSchedule): number | undefined {
    if (schedule.isPaused) return undefined;
    return cronFor(schedule.cron).nextRun()?.getTime();
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
