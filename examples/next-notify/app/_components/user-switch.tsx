"use client";

import { USERS, type User } from "@/lib/session";

/** Switches the fake session's user; the feed follows the session, not anything in the URL. */
export function UserSwitch({ user }: { user: User }) {
  async function signIn(next: string) {
    await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: next }),
    });
    window.location.reload();
  }

  return (
    <label className="check user">
      Signed in as
      <select aria-label="Signed in as" value={user} onChange={(e) => void signIn(e.target.value)}>
        {USERS.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
