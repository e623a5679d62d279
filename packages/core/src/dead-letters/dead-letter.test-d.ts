import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import type { DeadLetter, DeadLetterPage } from "./dead-letter";

const sb = createSwitchboard();
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), priority: z.number().default(1) }),
  handler: async () => {},
});
const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string() }),
  subscribers: { email: async () => {}, sms: async () => {} },
});
type Email = { to: string; priority: number };

describe("dead-letter types", () => {
  it("types a job's entries by its schema's output", () => {
    expectTypeOf(sendEmail.deadLetters.list()).resolves.toEqualTypeOf<DeadLetterPage<Email>>();
    expectTypeOf(sb.deadLetters.list({ job: sendEmail })).resolves.toEqualTypeOf<DeadLetterPage<Email>>();
    expectTypeOf(sb.deadLetters.list()).resolves.toEqualTypeOf<DeadLetterPage<unknown>>();
  });

  it("narrows the payload on payloadError", () => {
    const entry = {} as DeadLetter<Email>;
    expectTypeOf(entry.payload).toEqualTypeOf<Email | undefined>();
    if (entry.payloadError === undefined) expectTypeOf(entry.payload).toEqualTypeOf<Email>();
    else {
      expectTypeOf(entry.payload).toEqualTypeOf<undefined>();
      expectTypeOf(entry.payloadError).toEqualTypeOf<string>();
    }
  });

  it("types a channel's entries and its subscriber option", () => {
    expectTypeOf(notify.deadLetters.list({ subscriber: "sms" })).resolves.toEqualTypeOf<
      DeadLetterPage<{ userId: string }>
    >();
    // @ts-expect-error: not a subscriber of notify
    void notify.deadLetters.list({ subscriber: "fax" });
    expectTypeOf(sb.deadLetters.list({ channel: notify, subscriber: "email" })).resolves.toEqualTypeOf<
      DeadLetterPage<{ userId: string }>
    >();
  });

  it("takes entries or their ids for retry and delete", () => {
    const page = {} as DeadLetterPage<Email>;
    expectTypeOf(sendEmail.deadLetters.retry).toBeCallableWith(page.entries);
    expectTypeOf(sendEmail.deadLetters.delete).toBeCallableWith("dlq_1");
    expectTypeOf(sb.deadLetters.retry).toBeCallableWith(["a", { dlqId: "b" }]);
    expectTypeOf(sendEmail.deadLetters.retry(page.entries)).resolves.toEqualTypeOf<{
      messageIds: string[];
    }>();
  });
});
