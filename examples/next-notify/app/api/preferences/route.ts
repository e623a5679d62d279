import { SwitchboardError } from "@switchboard/core";
import { type NextRequest, NextResponse } from "next/server";
import { currentUser } from "@/lib/session";
import { notify } from "@/lib/switchboard";

export const dynamic = "force-dynamic";

/** The largest PATCH body read: a page sends only what the user toggled. */
const MAX_BYTES = 16_384;

/** What the preferences panel renders: a row per category, a switch per subscriber. */
export async function GET(request: NextRequest) {
  return NextResponse.json({
    subscribers: notify.subscribers,
    categories: notify.preferences.categories,
    preferences: await notify.preferences.get(currentUser(request)),
  });
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** `PATCH { "comments": { "sms": true } }` → the preferences after the change. */
export async function PATCH(request: NextRequest) {
  // A form on another site can post text/plain with the user's cookies; JSON needs a preflight.
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    return NextResponse.json({ error: "Cross-site requests are refused." }, { status: 403 });
  }
  // Next's request URL may name another host (localhost for 127.0.0.1): compare with `Host`, which
  // is what the browser sent.
  const origin = request.headers.get("origin");
  if (origin !== null && hostOf(origin) !== request.headers.get("host")) {
    return NextResponse.json(
      { error: `Requests from ${origin.slice(0, 100)} are refused.` },
      { status: 403 },
    );
  }
  if (request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() !== "application/json") {
    return NextResponse.json({ error: "Send Content-Type: application/json." }, { status: 415 });
  }
  const length = Number(request.headers.get("content-length"));
  if (!(length > 0 && length <= MAX_BYTES)) {
    return NextResponse.json({ error: "Send a JSON body of at most 16 KiB." }, { status: 413 });
  }
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BYTES) {
    // Content-Length said otherwise: trust what arrived.
    return NextResponse.json({ error: "Send a JSON body of at most 16 KiB." }, { status: 413 });
  }
  let changes: unknown = null;
  try {
    changes = JSON.parse(text);
  } catch {
    // `set` refuses null with a message saying what to send.
  }
  try {
    const preferences = await notify.preferences.set(
      currentUser(request),
      changes as Parameters<typeof notify.preferences.set>[1],
    );
    return NextResponse.json({ preferences });
  } catch (error) {
    // A bad body: the message names the unknown category or subscriber, or the refused mute.
    if (error instanceof SwitchboardError && error.code === "INVALID_OPTIONS") {
      return NextResponse.json({ error: error.message }, { status: 400 });
    }
    throw error; // REDIS_FAILED and the like: a 500, and the page can try again
  }
}
