import { parseArgs } from "node:util";
import { type DecodedDeadLetter, decodeDeadLetter, nameOf, type RouteTarget } from "@switchboard/wire";
import { DEFAULT_TOKEN } from "../wire/defaults";

export const DLQ_HELP = `switchboard dlq — QStash's dead-letter queue, decoded

Usage:
  switchboard dlq list   [--job <name> | --channel <name> [--subscriber <name>]] [--count <n>] [--cursor <c>] [--json]
  switchboard dlq retry  <dlqId>... | --job <name> | --channel <name> [--subscriber <name>]
  switchboard dlq delete <dlqId>... | --job <name> | --channel <name> [--subscriber <name>]

Talks to QSTASH_URL with QSTASH_TOKEN (default: the local dev server, http://127.0.0.1:8080, and
its development token). Set them to your production QStash to work on its DLQ.

  list     prints the entries (newest failures as QStash orders them): target, HTTP status, the
           route's error code and message; a failure that never reached Switchboard (a proxy's
           HTML page, another app's 404) shows its raw text, marked "not from the route".
           --count bounds how many entries are shown (default 100); when more remain, the
           cursor to pass back with --cursor is printed.
  retry    publishes the entries again as new messages and removes them from the DLQ.
  delete   removes the entries for good.
  --job / --channel act on every entry of that job or channel (read from the destination URL).
  --json   prints one JSON object per entry (list) or the answer (retry, delete).
`;

/** What the command needs from the outside world; the CLI passes the real ones. */
export interface DlqCommandIo {
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  out(text: string): void;
}

/** A failure to report on stderr with exit code 1. */
export class DlqCommandError extends Error {}

/**
 * Runs `switchboard dlq …` with `args` (the words after `dlq`).
 *
 * @example
 * ```ts
 * await runDlqCommand(["list", "--job", "send-email"], { env: process.env, fetch, out: (t) => process.stdout.write(t) });
 * ```
 */
export async function runDlqCommand(args: string[], io: DlqCommandIo): Promise<void> {
  const { values, positionals } = parseDlqArgs(args);
  const [action, ...ids] = positionals;
  if (values.help || action === undefined) {
    io.out(DLQ_HELP);
    return;
  }
  const filter = toFilter(values);
  const api = qstashApi(io);
  if (action === "list") {
    if (ids.length > 0) throw new DlqCommandError(`dlq list takes no ids (got ${ids.join(" ")}).`);
    const count = toCount(values.count);
    const { entries, cursor } = await collect(api, filter, count, values.cursor);
    if (values.json) {
      for (const entry of entries) io.out(`${JSON.stringify(entry)}\n`);
      if (cursor) io.out(`${JSON.stringify({ cursor })}\n`);
      return;
    }
    io.out(`${api.origin}\n`);
    io.out(entries.length === 0 ? "No dead letters.\n" : `${table(entries)}\n`);
    if (cursor) io.out(`More entries: add --cursor ${cursor}\n`);
    return;
  }
  if (action !== "retry" && action !== "delete") {
    throw new DlqCommandError(`unknown dlq command "${action}": use list, retry or delete.\n\n${DLQ_HELP}`);
  }
  if (ids.length > 0 === (filter !== undefined)) {
    throw new DlqCommandError(`dlq ${action}: pass dlq ids, or --job / --channel, not both and not neither.`);
  }
  const targets = filter
    ? (await collect(api, filter, Number.POSITIVE_INFINITY)).entries.map((e) => e.dlqId)
    : ids;
  checkIds(targets, action);
  const answer =
    targets.length === 0
      ? action === "retry"
        ? { responses: [] }
        : { deleted: 0 }
      : await api.call(
          action === "retry" ? "POST" : "DELETE",
          action === "retry" ? "/v2/dlq/retry" : "/v2/dlq",
          {
            dlqIds: targets,
          },
        );
  if (values.json) {
    io.out(`${JSON.stringify(answer)}\n`);
    return;
  }
  if (action === "retry") {
    const responses = ((answer as { responses?: { messageId?: string }[] }).responses ?? []).length;
    io.out(
      `Retried ${responses} dead letter${responses === 1 ? "" : "s"}: published again as new messages.\n`,
    );
  } else {
    const deleted = (answer as { deleted?: number }).deleted ?? 0;
    io.out(`Deleted ${deleted} dead letter${deleted === 1 ? "" : "s"}.\n`);
  }
}

function parseDlqArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        job: { type: "string" },
        channel: { type: "string" },
        subscriber: { type: "string" },
        count: { type: "string" },
        cursor: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new DlqCommandError(`${(error as Error).message}\n\n${DLQ_HELP}`);
  }
}

type Filter = (target: RouteTarget | undefined) => boolean;

function toFilter(values: { job?: string; channel?: string; subscriber?: string }): Filter | undefined {
  const { job, channel, subscriber } = values;
  if (job !== undefined && (channel !== undefined || subscriber !== undefined))
    throw new DlqCommandError("--job cannot be combined with --channel or --subscriber.");
  if (subscriber !== undefined && channel === undefined)
    throw new DlqCommandError("--subscriber needs --channel.");
  if (job !== undefined) return (t) => t?.kind === "job" && t.job === job && !t.hook;
  if (channel !== undefined)
    return (t) =>
      t?.kind === "channel" &&
      t.channel === channel &&
      !t.hook &&
      (subscriber === undefined || t.subscriber === subscriber);
  return undefined;
}

function toCount(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new DlqCommandError(`--count must be a whole number >= 1, got "${value}".`);
  return n;
}

/** dlq ids are sent as `dlqIds=` values: an empty one or one with a comma would widen the request. */
function checkIds(ids: string[], action: string): void {
  for (const id of ids) {
    if (id === "" || /[,\s]/.test(id))
      throw new DlqCommandError(`dlq ${action}: ${JSON.stringify(id)} is not a dlq id.`);
  }
}

/** Pages through `GET /v2/dlq` until `count` entries match or the DLQ ends. */
async function collect(
  api: ReturnType<typeof qstashApi>,
  filter: Filter | undefined,
  count: number,
  startCursor?: string,
): Promise<{ entries: DecodedDeadLetter[]; cursor: string | undefined }> {
  const entries: DecodedDeadLetter[] = [];
  let cursor = startCursor;
  do {
    const page = (await api.call("GET", "/v2/dlq", {
      count: [String(Math.min(100, Number.isFinite(count) ? count - entries.length : 100))],
      ...(cursor ? { cursor: [cursor] } : {}),
    })) as { messages?: unknown[]; cursor?: unknown };
    for (const message of Array.isArray(page.messages) ? page.messages : []) {
      const decoded = decodeDeadLetter(message as never);
      if (decoded && (!filter || filter(decoded.target))) entries.push(decoded);
    }
    cursor = typeof page.cursor === "string" && page.cursor ? page.cursor : undefined;
  } while (cursor && entries.length < count);
  return { entries, cursor };
}

function qstashApi(io: DlqCommandIo) {
  const fromEnv = io.env.QSTASH_URL;
  const base = (fromEnv || "http://127.0.0.1:8080").replace(/\/+$/, "");
  const token = io.env.QSTASH_TOKEN || DEFAULT_TOKEN;
  const origin = fromEnv
    ? `QStash at ${base} (QSTASH_URL)`
    : `QStash at ${base} (the local dev server: set QSTASH_URL and QSTASH_TOKEN for another)`;
  return {
    origin,
    async call(method: string, path: string, query: Record<string, string[]>): Promise<unknown> {
      const url = new URL(`${base}${path}`);
      for (const [name, list] of Object.entries(query))
        for (const value of list) url.searchParams.append(name, value);
      let response: Response;
      try {
        response = await io.fetch(url, { method, headers: { Authorization: `Bearer ${token}` } });
      } catch (error) {
        const hint = fromEnv ? "check QSTASH_URL" : "is `switchboard dev` running?";
        throw new DlqCommandError(`could not reach ${origin}: ${(error as Error).message} (${hint})`);
      }
      const text = await response.text();
      if (!response.ok)
        throw new DlqCommandError(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
      try {
        return text ? JSON.parse(text) : {};
      } catch {
        throw new DlqCommandError(
          `${method} ${path} answered something that is not JSON: ${text.slice(0, 200)}`,
        );
      }
    },
  };
}

/** A fixed-width table: id, target, status, code, message, created. */
function table(entries: DecodedDeadLetter[]): string {
  const rows = entries.map((e) => [
    e.dlqId,
    describe(e.target, e.url),
    e.failure.status === undefined ? "-" : String(e.failure.status),
    e.failure.code ?? "-",
    oneLine(e.failure.fromRoute ? e.failure.message : `(not from the route) ${e.failure.message}`),
    e.createdAt.toISOString().replace("T", " ").slice(0, 19),
  ]);
  const header = ["DLQ ID", "TARGET", "STATUS", "CODE", "MESSAGE", "CREATED (UTC)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function describe(target: RouteTarget | undefined, url: string): string {
  if (!target) return url;
  const what =
    target.kind === "channel"
      ? `channel ${target.channel}/${target.subscriber}`
      : `${target.kind} ${nameOf(target)}`;
  return target.hook ? `${what} (${target.hook} hook)` : what;
}

const MESSAGE_WIDTH = 72;

function oneLine(text: string): string {
  const plain = printable(text).replace(/\s+/g, " ").trim();
  return plain.length > MESSAGE_WIDTH ? `${plain.slice(0, MESSAGE_WIDTH - 1)}…` : plain;
}

/**
 * `text` safe for a terminal: escape sequences (`ESC [ … final byte`, colours, "clear screen") are
 * dropped and other control characters become spaces, so a response body cannot drive the terminal.
 */
function printable(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x1b && text[i + 1] === "[") {
      i += 2;
      while (i < text.length && !isFinalByte(text.charCodeAt(i))) i++;
      continue;
    }
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? " " : text[i];
  }
  return out;
}

function isFinalByte(code: number): boolean {
  return code >= 0x40 && code <= 0x7e;
}
