import { type NextRequest, NextResponse } from "next/server";
import { currentUser } from "@/lib/session";
import { feed } from "@/lib/switchboard";
import { parseBefore, parseMarkRead } from "./feed-params";

export const dynamic = "force-dynamic";

/** History, newest first: `?before=<id>` for the next page. */
export async function GET(request: NextRequest) {
  const before = parseBefore(request.nextUrl.searchParams.get("before"));
  if (!before.ok) return NextResponse.json({ error: before.error }, { status: 400 });
  const page = await feed.list(currentUser(request), {
    limit: 10,
    ...(before.value === undefined ? {} : { before: before.value }),
  });
  return NextResponse.json(page);
}

/** Marks items read: `{ ids: [1, 2] }` or `{ ids: "all" }`. */
export async function POST(request: NextRequest) {
  const ids = parseMarkRead(await request.json().catch(() => undefined));
  if (!ids.ok) return NextResponse.json({ error: ids.error }, { status: 400 });
  const unread = await feed.markRead(currentUser(request), ids.value);
  return NextResponse.json({ unread });
}
