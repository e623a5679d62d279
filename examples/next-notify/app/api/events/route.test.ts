import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "@/lib/session";
import { POST } from "./route";

function post(body: string) {
  return new NextRequest("http://127.0.0.1:3000/api/events", {
    method: "POST",
    headers: { cookie: `${SESSION_COOKIE}=grace`, "content-type": "application/json" },
    body,
  });
}

describe("POST /api/events", () => {
  it.each([
    ["null", "null"],
    ["an array", "[1]"],
    ["a number", "42"],
    ["not JSON", "{title:"],
  ])("answers 400, not 500, to a body that is %s", async (_, body) => {
    const response = await POST(post(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/JSON object/) });
  });

  it("answers 400 when no known channel is picked", async () => {
    const response = await POST(post(JSON.stringify({ title: "Hi", channels: ["fax"] })));
    expect(response.status).toBe(400);
  });

  it.each([0, -1, 1.5, 51, "ten"])("answers 400 to a burst of %j events", async (repeat) => {
    const response = await POST(post(JSON.stringify({ title: "Hi", repeat })));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/repeat must be a whole number from 1 to 50/),
    });
  });

  it("answers 400, naming the categories, to an unknown category", async () => {
    const response = await POST(post(JSON.stringify({ title: "Hi", message: "", category: "billing" })));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/comments/);
  });
});
