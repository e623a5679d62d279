import { NextResponse } from "next/server";
import { demoState } from "@/lib/demo-state";

export const dynamic = "force-dynamic";

/** The latest delivery attempts of every subscriber, newest first. */
export function GET() {
  return NextResponse.json({ deliveries: demoState.deliveries.slice(0, 50) });
}
