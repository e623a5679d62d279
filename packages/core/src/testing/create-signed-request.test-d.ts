import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { createSignedRequest } from "./create-signed-request";

const sb = createSwitchboard({ url: "https://app.test/api/sb", signingKeys: { current: "k" } });
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), subject: z.string(), priority: z.number().default(1) }),
  handler: () => ({ sent: true }),
});
const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string() }),
  subscribers: { email: () => {}, sms: () => {} },
});

describe("createSignedRequest types", () => {
  it("takes a job's payload as dispatch does", () => {
    expectTypeOf(
      createSignedRequest(sb, sendEmail, { to: "a@b.co", subject: "Hi" }),
    ).resolves.toEqualTypeOf<Request>();
    // @ts-expect-error subject is missing
    void createSignedRequest(sb, sendEmail, { to: "a@b.co" });
    // @ts-expect-error to must be a string
    void createSignedRequest(sb, sendEmail, { to: 1, subject: "Hi" });
    // @ts-expect-error a job has no subscribers
    void createSignedRequest(sb, sendEmail, { to: "a@b.co", subject: "Hi" }, { subscriber: "email" });
  });

  it("takes a channel's payload and one of its subscriber names", () => {
    void createSignedRequest(sb, notify, { userId: "u1" }, { subscriber: "sms" });
    // @ts-expect-error "fax" is not a subscriber of notify
    void createSignedRequest(sb, notify, { userId: "u1" }, { subscriber: "fax" });
    // @ts-expect-error a channel needs a subscriber
    void createSignedRequest(sb, notify, { userId: "u1" });
    // @ts-expect-error userId is missing
    void createSignedRequest(sb, notify, {}, { subscriber: "email" });
  });
});
