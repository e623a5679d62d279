import { NextRequest } from "next/server";
import { expect, it } from "vitest";
import { POST } from "./route";

const post = (body: string) =>
  new NextRequest("http://127.0.0.1:3000/api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });

it.each(["null", "[]", '{"user":"mallory"}', "{"])("answers 400, not 500, to %s", async (body) => {
  const response = await POST(post(body));
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: expect.stringMatching(/user must be one of/) });
});
