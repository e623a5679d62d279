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
  | { type: "scheduled"; scheduleId: string; messageId: string; url: string };

/** Where the server writes its delivery log. */
export interface Reporter {
  report(event: ReportEvent): void;
}

/** How the terminal output looks: human lines, one JSON object per line, or nothing. */
export type ReportFormat = "pretty" | "json" | "quiet";

/**
 * Prints one line per delivery: status, destination path and query, attempt and duration; retries
 * and dead letters are marked so they stand out in a scrolling terminal.
 */
export function createReporter(
  format: ReportFormat,
  write: (line: string) => void = (l) => process.stdout.write(l),
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

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.round(ms / 60_000)}m`;
}
