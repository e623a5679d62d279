import { describe, expect, it } from "vitest";
import { cursorPage } from "./cursor-page";

const list = ["a", "b", "c", "d", "e"];
const page = (items: string[], query: string) => cursorPage(items, new URLSearchParams(query), (x) => x);

describe("cursorPage", () => {
  it("pages after the last item returned", () => {
    expect(page(list, "count=2")).toEqual({ items: ["a", "b"], cursor: "b" });
    expect(page(list, "count=2&cursor=b")).toEqual({ items: ["c", "d"], cursor: "d" });
    expect(page(list, "count=2&cursor=d")).toEqual({ items: ["e"] });
    expect(page(list, "")).toEqual({ items: list });
  });

  it("starts from the top when the cursor's item is gone, as after a bulk delete", () => {
    expect(page(["c", "d", "e"], "count=2&cursor=b")).toEqual({ items: ["c", "d"], cursor: "d" });
  });
});
