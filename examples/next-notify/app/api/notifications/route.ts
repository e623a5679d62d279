import type { NextRequest } from "next/server";
import { countOpenStream } from "@/lib/count-open-stream";
import { currentUser } from "@/lib/session";
import { escalateUnread, feed } from "@/lib/switchboard";

export const dynamic = "force-dynamic";

// The feed's one route (what `useFeed` speaks): GET streams, GET ?view=page answers a page of
// history, POST { action, ids } marks items seen, read, unread, archived or unarchived. The
// recipient comes from the session cookie alone, never from the URL; cross-site and non-JSON
// POSTs are refused by the handler.
const route = feed.handler({ recipient: currentUser });

/** The stream (counted while open, for the page's "open streams" line) or a page of history. */
export async function GET(request: NextRequest) {
  const response = await route(request);
  return countOpenStream(currentUser(request), response);
}

/**
 * Runs the action; a successful "read" also tells this user's escalations that are still
 * waiting, so they end without an SMS. The read is recorded either way; if QStash cannot be
 * told, an escalation may still send its SMS.
 */
export async function POST(request: NextRequest) {
  // The handler reads the body (bounded to 64 KiB); the copy is read only once it accepted it,
  // so it holds no more than that. (A refused request's copy is left unread and dropped.)
  const copy = request.clone();
  const response = await route(request);
  if (!response.ok) return response;
  const { action } = (await copy.json().catch(() => ({}))) as { action?: unknown };
  if (action === "read") {
    const user = currentUser(request);
    await escalateUnread
      .notify("read", { at: new Date().toISOString() }, { key: user })
      .catch((error: unknown) => {
        console.error("[next-notify] could not end the escalations of", user, error);
      });
  }
  return response;
}
