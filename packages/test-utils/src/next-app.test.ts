import { serve } from "@switchboard/core/next";
import { NextRequest } from "next/server";
import { runAdapterContract } from "./adapter-contract";

runAdapterContract("next App Router (NextRequest)", {
  async start({ sb, routes }) {
    const { POST } = serve(sb, routes);
    return {
      url: "http://localhost:3000/api/switchboard",
      // Next itself answers 405 for methods a route does not export; handing every method to POST
      // checks that our handler answers 405 too, e.g. when exported as `export const { POST: GET }`.
      bodyConsumedUrl: "http://localhost:3000/parsed/switchboard",
      fetch: async (request) => {
        const next = new NextRequest(request);
        // Code that ran first in the same route (a wrapper, a logger) and read the body.
        if (next.nextUrl.pathname.startsWith("/parsed/")) await next.json();
        return POST(next);
      },
    };
  },
});
