import { createServer, type IncomingMessage } from "node:http";
import { servePages } from "@switchboard/core/next";
import { createSignedRequest } from "@switchboard/core/testing";
import { expect, it } from "vitest";
import { runAdapterContract } from "./adapter-contract";
import { createContractFixture } from "./contract-fixture";
import { listen } from "./listen";

runAdapterContract("next Pages Router behind node:http", {
  async start({ sb, routes }) {
    const handler = servePages(sb, routes);
    const server = await listen(
      createServer((req: IncomingMessage & { body?: unknown }, res) => {
        // What Next's API resolver does when the body parser is on: it sets req.body.
        if (req.url?.startsWith("/parsed/")) req.body = {};
        return handler(req, res);
      }),
    );
    return {
      url: `${server.origin}/api/switchboard`,
      bodyConsumedUrl: `${server.origin}/parsed/switchboard`,
      close: server.close,
    };
  },
});

it("answers 500 BODY_ALREADY_PARSED, naming `bodyParser: false`, when Next parsed the body", async () => {
  const { sb, routes, echo, calls } = createContractFixture();
  const handler = servePages(sb, routes);
  // What Next's API resolver does when the body parser is on: it sets req.body.
  const server = await listen(
    createServer((req: IncomingMessage & { body?: unknown }, res) => {
      req.body = { text: "hi" };
      return handler(req, res);
    }),
  );
  try {
    const request = await createSignedRequest(sb, echo, { text: "hi" });
    const response = await fetch(`${server.origin}/api/switchboard${new URL(request.url).search}`, {
      method: "POST",
      headers: request.headers,
      body: await request.text(),
    });
    expect(response.status).toBe(500);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("BODY_ALREADY_PARSED");
    expect(error.message).toContain("export const config = { api: { bodyParser: false } };");
    expect(calls).toEqual([]);
  } finally {
    await server.close();
  }
});
