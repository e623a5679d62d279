import { destinationUrl } from "@switchboard/wire";
import { describe, expect, it } from "vitest";
import { routeTarget } from "./route-target";

const BASE = "http://localhost:3000/api/switchboard";

describe("routeTarget", () => {
  // The query names are those of @switchboard/wire's destinationUrl, which core dispatches with.
  it("reads the job core puts in a route URL", () => {
    expect(routeTarget(`${BASE}?job=send-email`)).toEqual({
      kind: "job",
      job: "send-email",
      route: BASE,
    });
  });

  it("reads a channel's subscriber and a callback hook", () => {
    const url = `${BASE}?channel=orders&subscriber=sms&hook=failure`;
    expect(routeTarget(url)).toEqual({
      kind: "channel",
      channel: "orders",
      subscriber: "sms",
      hook: "failure",
      route: BASE,
    });
  });

  it("reads back every target the wire format writes", () => {
    expect(routeTarget(destinationUrl(BASE, { kind: "job", job: "j", hook: "success" }))).toEqual({
      kind: "job",
      job: "j",
      hook: "success",
      route: BASE,
    });
    expect(routeTarget(destinationUrl(BASE, { kind: "channel", channel: "c", subscriber: "s" }))).toEqual({
      kind: "channel",
      channel: "c",
      subscriber: "s",
      route: BASE,
    });
  });

  it("keeps other query parameters in the route", () => {
    expect(routeTarget("http://a.test/r?x-vercel-protection-bypass=1&job=j")).toMatchObject({
      kind: "job",
      route: "http://a.test/r?x-vercel-protection-bypass=1",
    });
  });

  it("leaves other URLs as URLs", () => {
    for (const url of [
      "https://example.com/hook",
      "http://a.test/r?job=a&channel=b",
      "http://a.test/r?job=a&hook=x",
      "http://a.test/r?workflow=w",
      "http://a.test/r?job=a&workflow=w",
      "not a url",
    ])
      expect(routeTarget(url)).toEqual({ kind: "url", url });
  });
});
