import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import type { Channel } from "../sending/channel";
import type { DispatchResult } from "../sending/dispatch-options";
import type { PreferenceCategoryInfo, PublishSkipped } from "./preferences-config";
import { skippedSubscribers } from "./skipped-subscribers";

const sb = createSwitchboard();
const schema = z.object({ userId: z.string(), kind: z.enum(["comments", "security"]), title: z.string() });
const subscribers = { email: async () => {}, sms: async () => {}, inApp: async () => {} };

const notify = sb.createChannel({
  name: "notify",
  schema,
  subscribers,
  preferences: {
    recipient: (event) => {
      expectTypeOf(event).toEqualTypeOf<{ userId: string; kind: "comments" | "security"; title: string }>();
      return event.userId;
    },
    category: (event) => event.kind,
    categories: {
      comments: { label: "Comments", defaults: { sms: false } },
      security: { critical: true },
    },
  },
});

type Row = { email: boolean; sms: boolean; inApp: boolean };

describe("preferences types", () => {
  it("types get, set and reset by category and subscriber names", () => {
    expectTypeOf(notify.preferences.get("u_1")).resolves.toEqualTypeOf<{ comments: Row; security: Row }>();
    expectTypeOf(notify.preferences.set("u_1", { comments: { sms: true } })).resolves.toEqualTypeOf<{
      comments: Row;
      security: Row;
    }>();
    void notify.preferences.reset("u_1");
    void notify.preferences.reset("u_1", "comments");
    expectTypeOf(notify.preferences.categories).toEqualTypeOf<
      readonly PreferenceCategoryInfo<"comments" | "security">[]
    >();
  });

  it("refuses an unknown category or subscriber in set and reset", () => {
    // @ts-expect-error "fax" is not a subscriber
    void notify.preferences.set("u_1", { comments: { fax: true } });
    // @ts-expect-error "billing" is not a category
    void notify.preferences.set("u_1", { billing: { email: true } });
    // @ts-expect-error a setting is a boolean
    void notify.preferences.set("u_1", { comments: { email: "off" } });
    // @ts-expect-error "billing" is not a category
    void notify.preferences.reset("u_1", "billing");
  });

  it("refuses a default for an unknown subscriber", () => {
    sb.createChannel({
      name: "bad-default",
      schema,
      subscribers,
      preferences: {
        recipient: (event) => event.userId,
        category: "comments",
        // @ts-expect-error "fax" is not a subscriber
        categories: { comments: { defaults: { fax: false } } },
      },
    });
    sb.createChannel({
      name: "bad-default-mixed",
      schema,
      subscribers,
      preferences: {
        recipient: (event) => event.userId,
        category: "comments",
        // @ts-expect-error "fax" is not a subscriber, even beside one that is
        categories: { comments: { defaults: { email: true, fax: false } } },
      },
    });
  });

  it("refuses a fixed category that is not declared", () => {
    sb.createChannel({
      name: "bad-category",
      schema,
      subscribers,
      preferences: {
        recipient: (event) => event.userId,
        // @ts-expect-error "billing" is not one of the categories
        category: "billing",
        categories: { comments: {} },
      },
    });
  });

  it("keeps PublishResult as it was, and types skippedSubscribers by subscriber name", async () => {
    const sent = await notify.publish({ userId: "u_1", kind: "comments", title: "t" });
    expectTypeOf(sent).toEqualTypeOf<{
      email?: DispatchResult;
      sms?: DispatchResult;
      inApp?: DispatchResult;
    }>();
    expectTypeOf(skippedSubscribers(sent)).toEqualTypeOf<PublishSkipped<"email" | "sms" | "inApp">>();
    expectTypeOf(skippedSubscribers(sent).sms?.reason).toEqualTypeOf<
      "muted" | "off-by-default" | undefined
    >();
  });

  it("is still a Channel where routes and helpers take any channel", () => {
    expectTypeOf(notify).toMatchTypeOf<Channel>();
    const plain = sb.createChannel({ name: "plain", schema, subscribers });
    expectTypeOf(plain).toMatchTypeOf<Channel>();
    sb.handler({ channels: [notify, plain] });
  });
});
