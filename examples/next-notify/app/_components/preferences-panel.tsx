"use client";

import { useEffect, useState } from "react";

type Category = { name: string; label?: string; critical: boolean };
type Settings = {
  subscribers: string[];
  categories: Category[];
  preferences: Record<string, Record<string, boolean>>;
};

/**
 * The signed-in user's preferences: per category × subscriber on/off, saved by
 * `PATCH /api/preferences`. Critical categories are always delivered, so their switches are locked.
 */
export function PreferencesPanel() {
  const [settings, setSettings] = useState<Settings | undefined>();
  const [error, setError] = useState("");

  useEffect(() => {
    void fetch("/api/preferences")
      .then((r) => r.json())
      .then(setSettings);
  }, []);

  async function toggle(category: string, subscriber: string, on: boolean) {
    const before = settings;
    // Shown at once; the server's answer (the preferences after the change) confirms or undoes it.
    setSettings(
      (current) =>
        current && {
          ...current,
          preferences: {
            ...current.preferences,
            [category]: { ...current.preferences[category], [subscriber]: on },
          },
        },
    );
    const response = await fetch("/api/preferences", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ [category]: { [subscriber]: on } }),
    });
    const body = (await response.json()) as { preferences?: Settings["preferences"]; error?: string };
    setError(body.error ?? "");
    const preferences = body.preferences;
    if (preferences) setSettings((current) => current && { ...current, preferences });
    else setSettings(before);
  }

  if (!settings) return <p className="muted">Loading preferences…</p>;
  return (
    <>
      <table className="prefs" data-testid="preferences">
        <thead>
          <tr>
            <th>Category</th>
            {settings.subscribers.map((subscriber) => (
              <th key={subscriber}>{subscriber}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {settings.categories.map((category) => (
            <tr key={category.name}>
              <td>
                {category.label ?? category.name}{" "}
                {category.critical && <span title="always delivered">🔒</span>}
              </td>
              {settings.subscribers.map((subscriber) => (
                <td key={subscriber}>
                  <input
                    type="checkbox"
                    aria-label={`${category.name} by ${subscriber}`}
                    checked={settings.preferences[category.name]?.[subscriber] ?? true}
                    disabled={category.critical}
                    onChange={(e) => void toggle(category.name, subscriber, e.target.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
