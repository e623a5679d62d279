import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

describe("QStash API routing", () => {
  it("asks for the token with a 401 that says where to find it", async () => {
    const response = await fetch(`${t.dev.url}/v2/keys`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/Bearer <token>.*QSTASH_TOKEN/);
  });

  it("refuses ?qstash_token= unless allowQueryToken (see request-guard.test.ts), and never reads it on publish", async () => {
    const token = encodeURIComponent(t.dev.token);
    const keys = await fetch(`${t.dev.url}/v2/keys?qstash_token=${token}`);
    expect(keys.status).toBe(401);
    expect(((await keys.json()) as { error: string }).error).toMatch(/--allow-query-token/);
    const publish = await fetch(`${t.dev.url}/v2/publish/${t.sink.url}/x?qstash_token=${token}`, {
      method: "POST",
    });
    expect(publish.status).toBe(401);
  });

  it("takes a percent-encoded destination as well as a raw one", async () => {
    const url = `${t.sink.url}/encoded?a=1`;
    const response = await fetch(`${t.dev.url}/v2/publish/${encodeURIComponent(url)}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${t.dev.token}` },
      body: "hi",
    });
    expect(await response.json()).toMatchObject({ url });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.path).toBe("/encoded?a=1");
  });

  it("answers 404 outside /v2 and for unknown routes, with a hint", async () => {
    const headers = { Authorization: `Bearer ${t.dev.token}` };
    const root = await fetch(`${t.dev.url}/`, { headers });
    expect(root.status).toBe(404);
    expect(((await root.json()) as { error: string }).error).toMatch(/lives under \/v2\//);
  });
});
