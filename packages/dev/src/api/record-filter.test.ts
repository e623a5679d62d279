import { describe, expect, it } from "vitest";
import { checkQueryParams, filterRecords } from "./record-filter";

const records = [
  { id: "a", label: ["x", "y"], status: 500, at: 10 },
  { id: "b", label: ["y"], status: 489, at: 20 },
  { id: "c", label: undefined, status: 500, at: 30 },
];
const fields = {
  label: (r: (typeof records)[number]) => r.label,
  status: (r: (typeof records)[number]) => r.status,
};
const ids = (query: string) =>
  filterRecords(records, new URLSearchParams(query), fields, (r) => r.at).map((r) => r.id);

describe("filterRecords", () => {
  it("matches any of several values of a field (repeated or comma-separated) and all fields together", () => {
    expect(ids("")).toEqual(["a", "b", "c"]);
    expect(ids("label=x")).toEqual(["a"]);
    expect(ids("label=x&label=y")).toEqual(["a", "b"]);
    expect(ids("status=500,489&label=y")).toEqual(["a", "b"]);
    expect(ids("status=500&unknown=1")).toEqual(["a", "c"]);
  });

  it("bounds by fromDate and toDate", () => {
    expect(ids("fromDate=15")).toEqual(["b", "c"]);
    expect(ids("fromDate=15&toDate=25")).toEqual(["b"]);
  });
});

describe("checkQueryParams", () => {
  const check = (query: string) =>
    checkQueryParams(new URLSearchParams(query), ["count", "label"], "DELETE /v2/dlq");

  it("lets known parameters, dates and the token through", () => {
    expect(() => check("label=a&count=5&fromDate=1&toDate=2&qstash_token=t")).not.toThrow();
  });

  it("refuses a typo with a 400 naming it and what the endpoint takes", () => {
    expect(() => check("labeel=a")).toThrow(
      /DELETE \/v2\/dlq: unknown query parameter "labeel"; it takes count, label/,
    );
  });
});
