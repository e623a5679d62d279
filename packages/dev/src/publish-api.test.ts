import { describe, expect, it } from "vitest";
import { useDevServer } from "./use-dev-server";

const t = useDevServer();

/** A raw publish, the way the SDK sends it: the destination appended to the path unencoded. */
function publish(destination: string, headers: Record<string, string> = {}, body = "{}") {
  return fetch(`${t.dev.url}/v2/publish/${destination}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${t.dev.token}`, "Content-Type": "application/json", ...headers },
    body,
  });
}

describe("publish API", () => {
  it("keeps the destination's query string exactly, as the signature's sub", async () => {
    const url = `${t.sink.url}/api/switchboard?job=send-email&tags=a,b&empty=`;
    const response = await publish(url);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ messageId: expect.stringMatching(/^msg_/), url });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.path).toBe("/api/switchboard?job=send-email&tags=a,b&empty=");
  });

  it("answers bad requests with { error } saying what is wrong", async () => {
    const cases: [Response, number, RegExp][] = [
      [await publish("localhost:3000/api"), 400, /has no scheme; publish to http:\/\/localhost:3000\/api/],
      [await publish("no-such-group"), 404, /neither a URL .* nor an existing URL group/],
      [
        await publish(`${t.sink.url}/x`, { "Upstash-Delay": "3x" }),
        400,
        /^Upstash-Delay: "3x" is not a duration/,
      ],
      [
        await publish(`${t.sink.url}/x`, { "Upstash-Retry-Delay": "require('fs')" }),
        400,
        /Upstash-Retry-Delay/,
      ],
      [await publish(`${t.sink.url}/x`, { "Upstash-Flow-Control-Value": "rate=0" }), 400, /rate must be/],
      [
        await fetch(`${t.dev.url}/v2/nowhere`, { headers: { Authorization: `Bearer ${t.dev.token}` } }),
        404,
        /not a QStash API route/,
      ],
    ];
    for (const [response, status, message] of cases) {
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sink.received).toEqual([]);
  });

  it("delivers bodies byte for byte, with the method and forwarded headers asked for", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    await fetch(`${t.dev.url}/v2/publish/${t.sink.url}/bin`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${t.dev.token}`,
        "Content-Type": "application/octet-stream",
        "Upstash-Method": "PUT",
        "Upstash-Forward-X-Trace": "t-1",
      },
      body: bytes,
    });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.verified).toBe(true);
    expect(delivery!.headers["content-type"]).toBe("application/octet-stream");
    expect(delivery!.headers["x-trace"]).toBe("t-1");
    expect(delivery!.method).toBe("PUT");
    expect(delivery!.raw.equals(bytes)).toBe(true);
  });
});
