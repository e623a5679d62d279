import { NextResponse } from "next/server";
import { demoState } from "@/lib/demo-state";

export const dynamic = "force-dynamic";

/** Each subscriber's totals, and the latest delivery attempts, newest first. */
export function GET() {
  return NextResponse.json({ totals: demoState.totals, deliveries: demoState.deliveries.slice(0, 50) });
}
