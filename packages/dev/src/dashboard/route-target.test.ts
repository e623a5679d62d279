import { describe, expect, it } from "vitest";
import { routeTarget } from "./route-target";

const BASE = "http://localhost:3000/api/switchboard";

describe("routeTarget", () => {
  // The query names are those of @switchboard/core's destination.ts (destinationUrl).
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
      "not a url",
    ])
      expect(routeTarget(url)).toEqual({ kind: "url", url });
  });
});
