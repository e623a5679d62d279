import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

describe("URL groups API", () => {
  it("adds named endpoints, replaces one with the same URL, and removes by URL or name", async () => {
    const groups = t.client.urlGroups;
    await groups.addEndpoints({ name: "team", endpoints: [{ name: "a", url: `${t.sink.url}/a` }] });
    await groups.addEndpoints({
      name: "team",
      endpoints: [{ name: "a2", url: `${t.sink.url}/a` }, { url: `${t.sink.url}/b` }],
    });
    expect((await groups.get("team")).endpoints).toEqual([
      { name: "a2", url: `${t.sink.url}/a` },
      { url: `${t.sink.url}/b` },
    ]);
    expect(await groups.list()).toEqual([
      expect.objectContaining({ name: "team", createdAt: expect.any(Number) }),
    ]);
    await groups.removeEndpoints({ name: "team", endpoints: [{ url: `${t.sink.url}/b` }] });
    await groups.removeEndpoints({ name: "team", endpoints: [{ name: "a2" }] });
    expect((await groups.get("team")).endpoints).toEqual([]);
  });

  it("refuses what cannot work, saying why", async () => {
    await expect(
      t.client.urlGroups.addEndpoints({ name: "bad", endpoints: [{ url: "mailto:x@y.z" }] }),
    ).rejects.toThrow(/must use http or https/);
    await expect(t.client.urlGroups.get("missing")).rejects.toThrow(/URL group .*missing.* not found/);
    await t.client.urlGroups.addEndpoints({ name: "empty", endpoints: [{ url: `${t.sink.url}/x` }] });
    await t.client.urlGroups.removeEndpoints({ name: "empty", endpoints: [{ url: `${t.sink.url}/x` }] });
    await expect(t.client.publishJSON({ urlGroup: "empty", body: {} })).rejects.toThrow(/has no endpoints/);
  });
});
