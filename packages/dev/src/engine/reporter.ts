/** What every delivery event carries. */
interface DeliveryReport {
  messageId: string;
  url: string;
  status: number;
  attempt: number;
  ms: number;
  /** Set when this delivery is a callback: whose, and for which outcome. */
  callbackOf?: { sourceMessageId: string; kind: "success" | "failure" } | undefined;
}

/** One thing worth telling a developer about. */
export type ReportEvent =
  | ({ type: "delivered" } & DeliveryReport)
  | ({ type: "retry"; nextInMs: number; error?: string } & DeliveryReport)
  | ({ type: "dead-letter"; dlqId: string; error?: string } & DeliveryReport)
  | { type: "scheduled"; scheduleId: string; messageId: string; url: string }
  /** A schedule was due but could not fire; it stays and fires at its next time. */
  | { type: "schedule-failed"; scheduleId: string; url: string; error: string }
  | {
      /** A message was accepted (publish, enqueue, batch item, URL group endpoint). */
      type: "queued";
      messageId: string;
      url: string;
      /** Until the first delivery, already divided by the speed; 0 when due at once. */
      inMs: number;
      queueName?: string | undefined;
      urlGroup?: string | undefined;
    }
  | {
      /** A schedule was created, or `updated` through its `Upstash-Schedule-Id`. */
      type: "schedule-created";
      scheduleId: string;
      url: string;
      cron: string;
      updated: boolean;
      /** Until the next run, already divided by the speed; absent when paused. */
      nextInMs?: number | undefined;
      queueName?: string | undefined;
    };

/** Where the server writes its delivery log. */
export interface Reporter {
  report(event: ReportEvent): void;
}

/** How the terminal output looks: human lines, one JSON object per line, or nothing. */
export type ReportFormat = "pretty" | "json" | "quiet";

/** Writes one line of the server's output (the line ends in a newline). */
export type WriteLine = (line: string) => void;

/**
 * Prints one line per accepted message (path and query, the wait, the queue, the id), per schedule
 * created, and per delivery: status, destination path and query, attempt and duration; retries
 * and dead letters are marked so they stand out in a scrolling terminal.
 */
export function createReporter(
  format: ReportFormat,
  write: WriteLine = (l) => process.stdout.write(l),
): Reporter {
  return {
    report(event) {
      if (format === "quiet") return;
      if (format === "json") {
        write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
        return;
      }
      write(`${formatLine(event)}\n`);
    },
  };
}

function formatLine(event: ReportEvent): string {
  const time = new Date().toISOString().slice(11, 23);
  if (event.type === "scheduled") return `${time}  CRON   ${event.scheduleId} → ${target(event.url)}`;
  if (event.type === "schedule-failed") {
    return `${time}  CRON ✗ ${event.scheduleId} → ${target(event.url)} did not fire: ${event.error}`;
  }
  if (event.type === "queued") {
    return [
      `${time}  queued → ${target(event.url)}`,
      event.inMs > 0 ? `in ${formatMs(event.inMs)}` : "",
      event.queueName ? `queue ${event.queueName}` : "",
      event.urlGroup ? `url group ${event.urlGroup}` : "",
      event.messageId,
    ]
      .filter(Boolean)
      .join("  ");
  }
  if (event.type === "schedule-created") {
    return [
      `${time}  schedule ${event.scheduleId}${event.updated ? " updated" : ""} → ${target(event.url)}`,
      `cron "${event.cron}"`,
      event.queueName ? `queue ${event.queueName}` : "",
      event.nextInMs === undefined ? "" : `next in ${formatMs(event.nextInMs)}`,
    ]
      .filter(Boolean)
      .join("  ");
  }
  const callback = event.callbackOf
    ? `  (${event.callbackOf.kind === "failure" ? "failure " : ""}callback for ${event.callbackOf.sourceMessageId})`
    : "";
  const head = `${time}  ${String(event.status || "---").padEnd(3)}  ${target(event.url)}  attempt ${event.attempt}  ${event.ms}ms`;
  if (event.type === "delivered") return `${head}  ✓${callback}`;
  if (event.type === "retry") {
    return `${head}  ↻ RETRY in ${formatMs(event.nextInMs)}${event.error ? `  (${event.error})` : ""}${callback}`;
  }
  return `${head}  ✗ DEAD LETTER ${event.dlqId}${event.error ? `  (${event.error})` : ""}${callback}`;
}

function target(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

/** A wait as people say it: `250ms`, `12.2s`, `2m 28s`, `2h 1m`, `2d 3h`. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  const index = units.findIndex(([, size]) => ms >= size);
  const [bigName, big] = units[index]!;
  const [smallName, small] = units[index + 1]!;
  // Round in the smaller unit first, so 119.9 s reads "2m", not "1m 60s".
  const total = Math.round(ms / small);
  const whole = Math.floor(total / (big / small));
  const rest = total % (big / small);
  return rest > 0 ? `${whole}${bigName} ${rest}${smallName}` : `${whole}${bigName}`;
}
