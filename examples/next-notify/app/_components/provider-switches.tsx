"use client";

import { useEffect, useState } from "react";

type Switches = { email: boolean; sms: boolean };

/** Breaks or repairs the simulated email and SMS providers, to watch retries and dead letters. */
export function ProviderSwitches() {
  const [failing, setFailing] = useState<Switches>({ email: false, sms: false });

  useEffect(() => {
    void fetch("/api/providers")
      .then((r) => r.json())
      .then(setFailing);
  }, []);

  async function toggle(provider: keyof Switches) {
    const next = { ...failing, [provider]: !failing[provider] };
    setFailing(next); // show the switch at once; the server's answer confirms it
    const response = await fetch("/api/providers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ [provider]: next[provider] }),
    });
    setFailing(await response.json());
  }

  return (
    <div className="row">
      {(["email", "sms"] as const).map((provider) => (
        <label key={provider} className="check">
          <input
            type="checkbox"
            checked={failing[provider]}
            onChange={() => void toggle(provider)}
            aria-label={`Break ${provider} provider`}
          />{" "}
          Break {provider === "sms" ? "SMS" : "email"}
        </label>
      ))}
    </div>
  );
}
