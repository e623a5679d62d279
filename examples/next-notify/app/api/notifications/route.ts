import { type NextRequest, NextResponse } from "next/server";
import { currentUser } from "@/lib/session";
import { feed } from "@/lib/switchboard";

export const dynamic = "force-dynamic";

/** History, newest first: `?before=<id>` for the next page. */
export async function GET(request: NextRequest) {
  const before = request.nextUrl.searchParams.get("before");
  const page = await feed.list(currentUser(request), {
    limit: 10,
    ...(before ? { before: Number(before) } : {}),
  });
  return NextResponse.json(page);
}

/** Marks items read: `{ ids: [1, 2] }` or `{ ids: "all" }`. */
export async function POST(request: NextRequest) {
  const { ids } = (await request.json().catch(() => ({}))) as { ids?: unknown };
  if (ids !== "all" && !(Array.isArray(ids) && ids.every((id) => Number.isSafeInteger(id)))) {
    return NextResponse.json({ error: 'Send { ids: [1, 2] } or { ids: "all" }.' }, { status: 400 });
  }
  const unread = await feed.markRead(currentUser(request), ids as number[] | "all");
  return NextResponse.json({ unread });
}
