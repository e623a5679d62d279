import { SwitchboardError, skippedSubscribers } from "@switchboard/core";
import { type NextRequest, NextResponse } from "next/server";
import { recordDelivery } from "@/lib/demo-state";
import { currentUser } from "@/lib/session";
import { escalateUnread, notify } from "@/lib/switchboard";

const CHANNELS = ["email", "sms", "inApp"] as const;
type ChannelName = (typeof CHANNELS)[number];
type NotifyInput = Parameters<typeof notify.publish>[0];

/** Who else comments when the form sends several events at once: each event has its own actor. */
const ROSTER = [
  "Ada",
  "Bob",
  "Chen",
  "Dara",
  "Emeka",
  "Fatima",
  "Goran",
  "Hana",
  "Ines",
  "Jonas",
  "Kofi",
  "Lena",
  "Mateo",
  "Noor",
  "Olga",
  "Priya",
  "Quinn",
  "Ravi",
  "Sofia",
  "Tomás",
];
/** The most events one request may publish (the form's "how many"). */
const MAX_REPEAT = 50;

const usage =
  'Send a JSON object: { title, message, channels?: ["email", "sms", "inApp"], groupKey?, actor?, category?, repeat? }.';

/**
 * Fires one event, or `repeat` of them from different actors (a burst of comments): each
 * publish fans out to the selected subscribers the user's preferences leave on.
 */
export async function POST(request: NextRequest) {
  const body: unknown = await request.json().catch(() => undefined);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return NextResponse.json({ error: usage }, { status: 400 });
  }
  const input = body as Record<string, unknown>;
  const only = Array.isArray(input.channels)
    ? input.channels.filter((c): c is ChannelName => CHANNELS.includes(c as ChannelName))
    : [...CHANNELS];
  if (only.length === 0) return NextResponse.json({ error: "Pick at least one channel." }, { status: 400 });
  const repeat = input.repeat === undefined ? 1 : Number(input.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
    return NextResponse.json(
      { error: `repeat must be a whole number from 1 to ${MAX_REPEAT}.` },
      { status: 400 },
    );
  }
  const userId = currentUser(request);
  const actor = typeof input.actor === "string" && input.actor.trim() ? input.actor.trim() : undefined;
  const others = ROSTER.filter((name) => name !== actor);
  // The first event is the form's actor; each of the others comes from someone else.
  const actorOf = (i: number) =>
    actor && i === 0 ? actor : repeat > 1 ? others[(actor ? i - 1 : i) % others.length] : undefined;
  const events: NotifyInput[] = Array.from({ length: repeat }, (_, i) => ({
    userId,
    title: String(input.title ?? ""),
    message: String(input.message ?? ""),
    ...(typeof input.groupKey === "string" && input.groupKey ? { groupKey: input.groupKey } : {}),
    // Checked by the channel's schema: an unknown category is a 400 that lists the known ones.
    ...(input.category === undefined ? {} : { category: input.category as NotifyInput["category"] }),
    ...(actorOf(i) ? { actor: actorOf(i) } : {}),
  }));
  try {
    // At once, as a burst of comments arrives: the digest and the group collect them anyway.
    const results = await Promise.all(events.map((event) => notify.publish(event, { only })));
    const skipped: Partial<Record<ChannelName, { reason: string; count: number }>> = {};
    for (const result of results) {
      for (const [subscriber, why] of Object.entries(skippedSubscribers(result))) {
        const entry = skipped[subscriber as ChannelName] ?? { reason: why!.reason, count: 0 };
        entry.count++;
        skipped[subscriber as ChannelName] = entry;
      }
    }
    for (const [subscriber, { reason, count }] of Object.entries(skipped)) {
      recordDelivery({
        subscriber: subscriber as ChannelName,
        title: events[0]!.title,
        attempt: 0,
        events: count,
        outcome: "skipped",
        detail: `${reason} in ${userId}'s preferences: nothing sent`,
      });
    }
    // An in-app notification still unread 10 minutes later is sent again by SMS.
    const escalation = only.includes("inApp") ? await escalateUnread.start(events[0]!) : undefined;
    return NextResponse.json({
      sent: results[0],
      published: results.length,
      skipped,
      ...(escalation ? { escalationRunId: escalation.runId } : {}),
    });
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === "INVALID_PAYLOAD") {
      return NextResponse.json({ error: error.message, issues: error.issues }, { status: 400 });
    }
    throw error;
  }
}
