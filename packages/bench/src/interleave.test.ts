import { describe, expect, it } from "vitest";
import { interleave } from "./interleave";

describe("interleave", () => {
  it("warms every side up once, rotates the order each round, and runs `between` before every run", async () => {
    const log: string[] = [];
    const side = (name: string, figure: number) => async () => {
      log.push(name);
      return figure;
    };
    const spreads = await interleave(
      3,
      { subject: side("S", 1), baseline: side("B", 2), limit: side("L", 3) },
      {
        between: async () => {
          log.push("|");
        },
      },
    );
    expect(log.join("")).toBe("|S|B|L" + "|S|B|L" + "|B|L|S" + "|L|S|B");
    expect(spreads.subject?.samples).toEqual([1, 1, 1]); // the warm-up's figure is dropped
    expect(spreads.baseline?.median).toBe(2);
    expect(spreads.limit?.median).toBe(3);
  });

  it("skips a missing side and needs no `between`", async () => {
    const spreads = await interleave(2, { subject: async () => 5 });
    expect(spreads).toEqual({
      subject: expect.objectContaining({ samples: [5, 5] }),
      baseline: null,
      limit: null,
    });
  });
});
