import { describe, expect, it } from "vitest";
import { formatSseComment, formatSseEvent } from "./sse-event";

describe("formatSseEvent", () => {
  it("frames event, id, retry and data", () => {
    expect(formatSseEvent({ event: "notification", id: 7, data: '{"a":1}', retry: 2000 })).toBe(
      'event: notification\nid: 7\nretry: 2000\ndata: {"a":1}\n\n',
    );
  });

  it("splits multi-line data into several data lines, so data cannot inject fields", () => {
    expect(formatSseEvent({ data: "line 1\nevent: reset\r\nid: 999" })).toBe(
      "data: line 1\ndata: event: reset\ndata: id: 999\n\n",
    );
  });

  it("rejects line breaks in event names and ids", () => {
    expect(() => formatSseEvent({ event: "a\nb", data: "" })).toThrow(/event names/);
    expect(() => formatSseEvent({ id: "1\r2", data: "" })).toThrow(/ids/);
  });

  it("keeps comments on one line", () => {
    expect(formatSseComment("ping\nevent: x")).toBe(": ping event: x\n\n");
  });
});
