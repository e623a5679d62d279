import { type NextRequest, NextResponse } from "next/server";
import { currentUser } from "@/lib/session";
import { escalateUnread, feed } from "@/lib/switchboard";
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
  const user = currentUser(request);
  const unread = await feed.markRead(user, ids.value);
  // Resumes this user's escalations that are still waiting: they end without an SMS. The read is
  // recorded either way; if QStash cannot be told, an escalation may still send its SMS.
  await escalateUnread
    .notify("read", { at: new Date().toISOString() }, { key: user })
    .catch((error: unknown) => {
      console.error("[next-notify] could not end the escalations of", user, error);
    });
  return NextResponse.json({ unread });
}
