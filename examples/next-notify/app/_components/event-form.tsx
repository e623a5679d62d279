"use client";

import { type FormEvent, useState } from "react";

const CHANNELS = [
  { id: "email", label: "Email (digest)" },
  { id: "sms", label: "SMS" },
  { id: "inApp", label: "In-app" },
] as const;

const CATEGORIES = ["updates", "comments", "mentions", "security"] as const;

/**
 * Publishes an event to the notify channel for the selected subscribers, or a burst of them
 * from different actors, so the email digest and the feed's groups have something to collect.
 */
export function EventForm() {
  const [status, setStatus] = useState<string>("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const response = await fetch("/api/events", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        title: form.get("title"),
        message: form.get("message"),
        groupKey: form.get("groupKey"),
        actor: form.get("actor"),
        category: form.get("category"),
        repeat: Number(form.get("repeat")),
        channels: form.getAll("channels"),
      }),
    });
    const body = (await response.json()) as {
      sent?: Record<string, { messageId: string }>;
      published?: number;
      skipped?: Record<string, { reason: string }>;
      error?: string;
    };
    setBusy(false);
    const skipped = Object.entries(body.skipped ?? {}).map(([name, s]) => `${name} (${s.reason})`);
    setStatus(
      response.ok
        ? `Published ${body.published ?? 1} to ${Object.keys(body.sent ?? {}).join(", ") || "nobody"}${
            skipped.length ? `; skipped ${skipped.join(", ")}` : ""
          }`
        : (body.error ?? "Failed"),
    );
  }

  return (
    <form onSubmit={submit} className="stack">
      <label>
        Title
        <input name="title" required maxLength={120} defaultValue="Task #234 was updated" />
      </label>
      <label>
        Message
        <textarea name="message" rows={2} maxLength={500} defaultValue="Grace moved it to In review." />
      </label>
      <div className="row">
        <label>
          Category
          <select name="category" defaultValue="updates">
            {CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {category}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <input name="actor" maxLength={60} defaultValue="Grace" />
        </label>
        <label>
          How many <span className="muted">(each from another actor)</span>
          <input name="repeat" type="number" min={1} max={50} defaultValue={1} />
        </label>
      </div>
      <label>
        Group key <span className="muted">(optional: same key within 5 min collapses)</span>
        <input name="groupKey" placeholder="task-234" maxLength={100} />
      </label>
      <fieldset className="row">
        {CHANNELS.map((channel) => (
          <label key={channel.id} className="check">
            <input type="checkbox" name="channels" value={channel.id} defaultChecked /> {channel.label}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy}>
        {busy ? "Publishing…" : "Fire event"}
      </button>
      <p className="muted" role="status">
        {status}
      </p>
    </form>
  );
}
