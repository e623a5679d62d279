import { NextResponse } from "next/server";
import { demoState } from "@/lib/demo-state";

export const dynamic = "force-dynamic";

/** Each subscriber's totals, the latest delivery attempts (newest first), and the feed streams open now. */
export function GET() {
  return NextResponse.json({
    totals: demoState.totals,
    deliveries: demoState.deliveries.slice(0, 50),
    openStreams: demoState.openStreams,
  });
}
