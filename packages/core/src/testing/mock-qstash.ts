import type { HttpHandler } from "msw";
import { loadMsw } from "./load-msw";

/** One message QStash would have accepted, as the mock recorded it. */
export interface RecordedMessage {
  /** `publish`, `enqueue` (with `queue`), `batch` or `schedule`. */
  via: "publish" | "enqueue" | "batch" | "schedule";
  /** The destination URL, exactly as QStash would call it. */
  destination: string;
  /** Request headers QStash received for this message, lower-cased (`upstash-delay`, …). */
  headers: Record<string, string>;
  /** The JSON body (or raw text when it is not JSON). */
  body: unknown;
  queue: string | undefined;
  messageId: string;
}

/** What {@link mockQStash} returns. */
export interface QStashMock {
  /** msw handlers: pass them to `setupServer(...mock.handlers)` or `server.use(...)`. */
  handlers: HttpHandler[];
  /** Every message accepted so far, in order. */
  messages: RecordedMessage[];
  /** How many HTTP requests reached the mock (a batch counts once). */
  requestCount(): number;
  /** Forgets recorded messages and requests. */
  reset(): void;
}

/** Options for {@link mockQStash}. */
export interface MockQStashOptions {
  /** The QStash base URL your code uses. @default "https://qstash.upstash.io" */
  baseUrl?: string;
}

/**
 * msw handlers that stand in for QStash's publish, enqueue, batch, schedule and cancel endpoints and
 * record what would have been published, so unit tests can assert on exact destinations and headers
 * without a network. For real deliveries in integration tests, use `@switchboard/dev`.
 *
 * @example
 * ```ts
 * import { setupServer } from "msw/node";
 * import { mockQStash } from "@switchboard/core/testing";
 *
 * const qstash = mockQStash();
 * const server = setupServer(...qstash.handlers);
 * server.listen();
 * await sendEmail.dispatch({ to: "a@b.co", subject: "Hi" }, { delay: "30s" });
 * expect(qstash.messages[0]?.headers["upstash-delay"]).toBe("30s");
 * ```
 */
export function mockQStash(options: MockQStashOptions = {}): QStashMock {
  // msw is loaded here, not imported at the top: createSignedRequest from the same subpath must
  // work in projects without msw.
  const { http, HttpResponse } = loadMsw();
  const base = (options.baseUrl ?? "https://qstash.upstash.io").replace(/\/$/, "");
  const messages: RecordedMessage[] = [];
  const dedup = new Map<string, string>();
  const schedules = new Map<string, Record<string, unknown>>();
  let requests = 0;
  let counter = 0;

  const accept = (
    via: RecordedMessage["via"],
    destination: string,
    headers: Record<string, string>,
    body: unknown,
    queue?: string,
  ) => {
    const dedupId = headers["upstash-deduplication-id"];
    const existing = dedupId ? dedup.get(dedupId) : undefined;
    if (existing) return { messageId: existing, url: destination, deduplicated: true };
    const messageId = `msg_mock_${++counter}`;
    if (dedupId) dedup.set(dedupId, messageId);
    messages.push({ via, destination, headers, body, queue, messageId });
    return { messageId, url: destination };
  };
  const destinationOf = (request: Request, prefix: string) => {
    const url = new URL(request.url);
    return decodeURIComponent(url.pathname.slice(prefix.length)) + url.search;
  };
  const bodyOf = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };

  const handlers = [
    http.post(`${base}/v2/publish/*`, async ({ request }) => {
      requests++;
      const result = accept(
        "publish",
        destinationOf(request, "/v2/publish/"),
        lower(request.headers),
        bodyOf(await request.text()),
      );
      return HttpResponse.json(result, { status: "deduplicated" in result ? 202 : 201 });
    }),
    http.post(`${base}/v2/enqueue/:queue/*`, async ({ request, params }) => {
      requests++;
      const queue = String(params.queue);
      const destination = destinationOf(request, `/v2/enqueue/${queue}/`);
      const result = accept(
        "enqueue",
        destination,
        lower(request.headers),
        bodyOf(await request.text()),
        queue,
      );
      return HttpResponse.json(result, { status: "deduplicated" in result ? 202 : 201 });
    }),
    http.post(`${base}/v2/batch`, async ({ request }) => {
      requests++;
      const items = (await request.json()) as {
        destination: string;
        headers?: Record<string, string>;
        body?: string;
        queue?: string;
      }[];
      return HttpResponse.json(
        items.map((item) =>
          accept(
            "batch",
            item.destination,
            lowerRecord(item.headers ?? {}),
            bodyOf(item.body ?? ""),
            item.queue,
          ),
        ),
      );
    }),
    http.post(`${base}/v2/schedules/*`, async ({ request }) => {
      requests++;
      const headers = lower(request.headers);
      const destination = destinationOf(request, "/v2/schedules/");
      const scheduleId = headers["upstash-schedule-id"] ?? `scd_mock_${++counter}`;
      const text = await request.text();
      messages.push({
        via: "schedule",
        destination,
        headers,
        body: bodyOf(text),
        queue: headers["upstash-queue-name"],
        messageId: scheduleId,
      });
      schedules.set(scheduleId, {
        scheduleId,
        cron: headers["upstash-cron"],
        destination,
        body: text,
        createdAt: Date.now(),
        isPaused: false,
        method: "POST",
        retries: Number(headers["upstash-retries"] ?? 3),
      });
      return HttpResponse.json({ scheduleId });
    }),
    http.get(`${base}/v2/schedules`, () => {
      requests++;
      return HttpResponse.json([...schedules.values()]);
    }),
    http.delete(`${base}/v2/schedules/:id`, ({ params }) => {
      requests++;
      schedules.delete(String(params.id));
      return new HttpResponse(null, { status: 200 });
    }),
    http.delete(`${base}/v2/messages/:id`, () => {
      requests++;
      return new HttpResponse(null, { status: 200 });
    }),
    http.delete(`${base}/v2/messages`, async ({ request }) => {
      requests++;
      const ids = (await request.json().catch(() => ({}))) as { messageIds?: string[] };
      return HttpResponse.json({ cancelled: ids.messageIds?.length ?? 0 });
    }),
  ];

  return {
    handlers,
    messages,
    requestCount: () => requests,
    reset() {
      messages.length = 0;
      dedup.clear();
      schedules.clear();
      requests = 0;
    },
  };
}

function lower(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

function lowerRecord(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
