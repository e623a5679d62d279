import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";

// QStash's DLQ API stood in for by msw: what Switchboard asks for, and what it does with answers
// a real server should never give. The real thing is tested in @switchboard/dev (dead-letters.test.ts).
const requests: URL[] = [];
let answer: Record<string, unknown> = { messages: [] };
const server = setupServer(
  http.all("https://qstash.test/v2/dlq*", ({ request }) => {
    requests.push(new URL(request.url));
    return HttpResponse.json(answer);
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  requests.length = 0;
  answer = { messages: [] };
});
afterAll(() => server.close());

const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t", baseUrl: "https://qstash.test" },
  signingKeys: { current: "sig_current", next: "sig_next" },
});
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email() }),
  handler: async () => {},
});
const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string() }),
  subscribers: { email: async () => {}, sms: async () => {} },
});
const JOB_URL = "https://app.example.com/api/switchboard?job=send-email";

describe("deadLetters.list", () => {
  it("filters by the exact destination URL(s), with the page options", async () => {
    await sendEmail.deadLetters.list({ count: 10, cursor: "c1", from: new Date(1000), to: 2000 });
    const query = requests[0]!.searchParams;
    expect(query.getAll("url")).toEqual([JOB_URL]);
    expect(Object.fromEntries([...query].filter(([k]) => k !== "url"))).toEqual({
      count: "10",
      cursor: "c1",
      fromDate: "1000",
      toDate: "2000",
    });
    await notify.deadLetters.list();
    expect(requests[1]!.searchParams.getAll("url")).toEqual([
      "https://app.example.com/api/switchboard?channel=notify&subscriber=email",
      "https://app.example.com/api/switchboard?channel=notify&subscriber=sms",
    ]);
  });

  it("never shows another destination's entry, even if the server ignored the filter", async () => {
    answer = {
      messages: [
        { dlqId: "d1", messageId: "m1", url: JOB_URL, body: '{"to":"a@b.co"}', responseStatus: 500 },
        { dlqId: "d2", messageId: "m2", url: `${JOB_URL}x`, body: '{"to":"a@b.co"}', responseStatus: 500 },
        { messageId: "no-dlq-id", url: JOB_URL },
      ],
      cursor: "",
    };
    const page = await sendEmail.deadLetters.list();
    expect(page.entries.map((e) => e.dlqId)).toEqual(["d1"]);
    expect(page.cursor).toBeUndefined();
  });

  it("reports a body that is not JSON as payloadError", async () => {
    answer = { messages: [{ dlqId: "d1", url: JOB_URL, body: "<xml/>", responseStatus: 500 }] };
    const { entries } = await sendEmail.deadLetters.list();
    expect(entries[0]).toMatchObject({ payload: undefined, payloadError: "The body is not JSON." });
  });

  it("refuses bad page options before any request", async () => {
    for (const options of [
      { count: 0 },
      { count: 101 },
      { count: 1.5 },
      { cursor: "" },
      { from: Number.NaN },
    ]) {
      await expect(sendEmail.deadLetters.list(options)).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    }
    expect(requests).toEqual([]);
  });
});

describe("deadLetters.retry and delete", () => {
  it("sends nothing for an empty list: an empty id list must never mean every entry", async () => {
    await expect(sb.deadLetters.retry([])).resolves.toEqual({ messageIds: [] });
    await expect(sendEmail.deadLetters.delete([])).resolves.toEqual({ deleted: 0 });
    expect(requests).toEqual([]);
  });

  it("refuses ids that would widen the request before sending anything", async () => {
    for (const bad of ["", "a,b", "a b", 5, null, { dlqId: "" }]) {
      await expect(sb.deadLetters.delete(bad as string)).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    }
    expect(requests).toEqual([]);
  });

  it("acts by id on the whole DLQ, deduplicating ids", async () => {
    answer = { deleted: 2 };
    await expect(sb.deadLetters.delete(["d1", { dlqId: "d2" }, "d1"])).resolves.toEqual({ deleted: 2 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.searchParams.getAll("dlqIds")).toEqual(["d1", "d2"]);
  });
});
