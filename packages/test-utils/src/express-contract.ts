import { createServer } from "node:http";
import { serve } from "@switchboard/core/express";
import { createSignedRequest } from "@switchboard/core/testing";
import type express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdapterContract } from "./adapter-contract";
import { createContractFixture } from "./contract-fixture";
import { type ListeningServer, listen } from "./listen";

/** The adapter contract plus Express's own cases (sub-router, body parser first), for one major. */
export function runExpressContract(label: string, createApp: typeof express): void {
  runAdapterContract(label, {
    async start({ sb, routes }) {
      const app = createApp();
      app.all("/internal/switchboard", serve(sb, routes)); // all: a GET reaches the route and gets 405
      app.use("/parsed", createApp.json());
      app.post("/parsed/switchboard", serve(sb, routes));
      const server = await listen(createServer(app));
      return {
        url: `${server.origin}/internal/switchboard`,
        bodyConsumedUrl: `${server.origin}/parsed/switchboard`,
        close: server.close,
      };
    },
  });

  runAdapterContract(`${label} under a sub-router`, {
    async start({ sb, routes }) {
      const app = createApp();
      const router = createApp.Router();
      router.use("/switchboard", serve(sb, routes)); // Express strips "/api/switchboard" from req.url
      app.use("/api", router);
      const parsed = createApp.Router();
      parsed.use(createApp.json());
      parsed.use("/switchboard", serve(sb, routes));
      app.use("/parsed", parsed);
      const server = await listen(createServer(app));
      return {
        url: `${server.origin}/api/switchboard`,
        bodyConsumedUrl: `${server.origin}/parsed/switchboard`,
        close: server.close,
      };
    },
  });

  describe(`${label}: mounting`, () => {
    const { sb, routes, echo } = createContractFixture();
    let server: ListeningServer;
    beforeAll(async () => {
      const app = createApp();
      const router = createApp.Router();
      router.post("/switchboard", serve(sb, routes));
      app.use("/api", router);
      app.use(createApp.json());
      app.post("/parsed/switchboard", serve(sb, routes));
      server = await listen(createServer(app));
    });
    afterAll(() => server.close());

    async function post(path: string) {
      const request = await createSignedRequest(sb, echo, { text: "hi" });
      const { search } = new URL(request.url);
      const body = await request.text();
      return fetch(`${server.origin}${path}${search}`, { method: "POST", headers: request.headers, body });
    }

    it("serves router.post under app.use('/api', router)", async () => {
      expect((await post("/api/switchboard")).status).toBe(200);
    });

    it("answers 500 BODY_ALREADY_PARSED, saying how to mount the route, when express.json() ran first", async () => {
      const response = await post("/parsed/switchboard");
      expect(response.status).toBe(500);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("BODY_ALREADY_PARSED");
      expect(error.message).toMatch(/before `app\.use\(express\.json\(\)\)`/);
    });
  });
}
