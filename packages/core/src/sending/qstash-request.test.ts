import { QstashRatelimitError } from "@upstash/qstash";
import { afterEach, describe, expect, it, vi } from "vitest";
import { postToQStash } from "./qstash-request";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const remote = { baseUrl: "https://qstash.example.test", authorization: "Bearer tok", retry: true };
const refused = () => new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });

describe("postToQStash", () => {
  it("retries a request that got no answer with the SDK's backoff (50·e^n ms), then succeeds", async () => {
    vi.useFakeTimers();
    const fetch = vi
      .spyOn(globalThis, "fetch")
      .mockRejectedValueOnce(refused())
      .mockRejectedValueOnce(refused())
      .mockResolvedValueOnce(Response.json([{ messageId: "m" }]));
    const answer = postToQStash(remote, ["v2", "batch"], "[]", {});
    await vi.advanceTimersByTimeAsync(49);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // 50 ms
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(Math.exp(1) * 50);
    await expect(answer).resolves.toEqual([{ messageId: "m" }]);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it("gives up after 6 attempts, throwing the network error", async () => {
    vi.useFakeTimers();
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(() => Promise.reject(refused()));
    const answer = postToQStash(remote, ["v2", "batch"], "[]", {}).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await answer).toBeInstanceOf(TypeError);
    expect(fetch).toHaveBeenCalledTimes(6);
  });

  it("does not retry an answer, only a missing one", async () => {
    const fetch = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(Response.json({ error: "bad destination" }, { status: 400 }));
    await expect(postToQStash(remote, ["v2", "batch"], "[]", {})).rejects.toThrow(
      "QStash answered 400: bad destination",
    );
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("sends the bearer token and joins the path like the SDK", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json([]));
    await postToQStash({ ...remote, baseUrl: "https://proxy.test/qstash" }, ["v2", "batch"], "[]", {
      "Content-Type": "application/json",
    });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe("https://proxy.test/qstash/v2/batch");
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer tok");
    expect(new Headers(init?.headers).get("content-type")).toBe("application/json");
  });

  it("throws the SDK's rate-limit error for a 429, with QStash's limits", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(
      new Response("", {
        status: 429,
        headers: {
          "Burst-RateLimit-Limit": "100",
          "Burst-RateLimit-Remaining": "0",
          "Burst-RateLimit-Reset": "1",
        },
      }),
    );
    const error = await postToQStash(remote, ["v2", "batch"], "[]", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QstashRatelimitError);
    expect(error).toMatchObject({ status: 429, limit: "100", remaining: "0", reset: "1" });
  });
});
