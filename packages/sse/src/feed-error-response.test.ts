import { expect, it } from "vitest";
import { feedErrorResponse } from "./feed-error-response";

it("answers with the route's error shape: the code's status, JSON { error: { code, message } } and its length", async () => {
  const response = feedErrorResponse("UNAUTHORIZED", "No recipient.");
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toBe("application/json");
  const text = await response.clone().text();
  expect(response.headers.get("content-length")).toBe(String(new TextEncoder().encode(text).byteLength));
  expect(await response.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "No recipient." } });
});
