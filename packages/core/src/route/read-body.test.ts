import { describe, expect, it } from "vitest";
import { SwitchboardError } from "../errors/switchboard-error";
import { readBoundedBody } from "./read-body";

const CHUNK = new Uint8Array(1024).fill(0x61);

/** A body of `total` bytes produced on demand, counting what the reader pulled. */
function countingBody(total: number) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += CHUNK.byteLength;
        controller.enqueue(CHUNK);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("https://app.test/api/switchboard?job=j", {
    method: "POST",
    body,
    headers,
    duplex: "half",
  } as RequestInit);

async function refusal(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

describe("readBoundedBody", () => {
  it("reads a body up to the limit, exactly", async () => {
    const { stream } = countingBody(10 * 1024);
    expect((await readBoundedBody(post(stream), 10 * 1024)).byteLength).toBe(10 * 1024);
  });

  it("refuses a Content-Length above the limit without reading a byte", async () => {
    const { stream, counter } = countingBody(1024 * 1024);
    const error = await refusal(
      readBoundedBody(post(stream, { "content-length": String(1024 * 1024) }), 4096),
    );
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.status).toBe(413);
    expect(counter.pulled).toBe(0);
  });

  it("counts a body without Content-Length and stops at the limit", async () => {
    const { stream, counter } = countingBody(1024 * 1024);
    const error = await refusal(readBoundedBody(post(stream), 8 * 1024));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toMatch(/maxBodyBytes \(8192 bytes\)/);
    expect(counter.pulled).toBeLessThanOrEqual(8 * 1024 + CHUNK.byteLength);
  });

  it("an empty body is empty", async () => {
    expect((await readBoundedBody(post(null), 10)).byteLength).toBe(0);
  });
});
