import { serve as serveExpress } from "@switchboard/core/express";
import { serve as serveHono } from "@switchboard/core/hono";
import { serve as serveNext, servePages } from "@switchboard/core/next";
import type { RequestHandler } from "express";
import { Hono } from "hono";
import type { NextApiHandler } from "next";
import type { NextRequest } from "next/server";
import { expectTypeOf, it } from "vitest";
import { createContractFixture } from "./contract-fixture";

const { sb, routes } = createContractFixture();

it("fits each framework's own handler type", () => {
  expectTypeOf(serveExpress(sb, routes)).toExtend<RequestHandler>();
  expectTypeOf(servePages(sb, routes)).toExtend<NextApiHandler>();
  // How Next's generated route types call an App Router handler.
  expectTypeOf(serveNext(sb, routes).POST).toExtend<
    (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>
  >();
  const app = new Hono<{ Bindings: { QSTASH_CURRENT_SIGNING_KEY: string } }>();
  app.post("/api/switchboard", serveHono(sb, routes));
});
