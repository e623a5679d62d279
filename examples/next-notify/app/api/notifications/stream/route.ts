import type { NextRequest } from "next/server";
import { currentUser } from "@/lib/session";
import { feed } from "@/lib/switchboard";

export const dynamic = "force-dynamic";

/** The live feed over Server-Sent Events; the recipient comes from the session only. */
export function GET(request: NextRequest) {
  return feed.stream(request, { recipient: currentUser(request) });
}
