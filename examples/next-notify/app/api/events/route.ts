import { SwitchboardError } from "@switchboard/core";
import { type NextRequest, NextResponse } from "next/server";
import { currentUser } from "@/lib/session";
import { escalateUnread, notify } from "@/lib/switchboard";

const CHANNELS = ["email", "sms", "inApp"] as const;
type ChannelName = (typeof CHANNELS)[number];

/** Fires one event: a single publish fans out to the selected subscribers. */
export async function POST(request: NextRequest) {
  const body: unknown = await request.json().catch(() => undefined);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return NextResponse.json(
      { error: 'Send a JSON object: { title, message, channels?: ["email", "sms", "inApp"], groupKey? }.' },
      { status: 400 },
    );
  }
  const input = body as { title?: unknown; message?: unknown; channels?: unknown; groupKey?: unknown };
  const only = Array.isArray(input.channels)
    ? input.channels.filter((c): c is ChannelName => CHANNELS.includes(c as ChannelName))
    : [...CHANNELS];
  if (only.length === 0) return NextResponse.json({ error: "Pick at least one channel." }, { status: 400 });
  try {
    const event = {
      userId: currentUser(request),
      title: String(input.title ?? ""),
      message: String(input.message ?? ""),
      ...(typeof input.groupKey === "string" && input.groupKey ? { groupKey: input.groupKey } : {}),
    };
    const sent = await notify.publish(event, { only });
    // An in-app notification still unread 10 minutes later is sent again by SMS.
    const escalation = only.includes("inApp") ? await escalateUnread.start(event) : undefined;
    return NextResponse.json({ sent, ...(escalation ? { escalationRunId: escalation.runId } : {}) });
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === "INVALID_PAYLOAD") {
      return NextResponse.json({ error: error.message, issues: error.issues }, { status: 400 });
    }
    throw error;
  }
}
