"use client";

import { type FormEvent, useState } from "react";

const CHANNELS = [
  { id: "email", label: "Email" },
  { id: "sms", label: "SMS" },
  { id: "inApp", label: "In-app" },
] as const;

/** Publishes one event to the notify channel for the selected subscribers. */
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
        channels: form.getAll("channels"),
      }),
    });
    const body = (await response.json()) as { sent?: Record<string, { messageId: string }>; error?: string };
    setBusy(false);
    setStatus(
      response.ok ? `Published to ${Object.keys(body.sent ?? {}).join(", ")}` : (body.error ?? "Failed"),
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
