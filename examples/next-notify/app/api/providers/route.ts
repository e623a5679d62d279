import { type NextRequest, NextResponse } from "next/server";
import { demoState } from "@/lib/demo-state";

export const dynamic = "force-dynamic";

export function GET() {
  return NextResponse.json(demoState.failing);
}

/** Breaks or repairs a simulated provider: `{ sms: true }`. */
export async function POST(request: NextRequest) {
  const input = (await request.json().catch(() => ({}))) as Record<string, unknown>;
  for (const provider of ["email", "sms"] as const) {
    if (typeof input[provider] === "boolean") demoState.failing[provider] = input[provider];
  }
  return NextResponse.json(demoState.failing);
}
