"use client";

import { useEffect, useState } from "react";

type Delivery = {
  id: number;
  at: number;
  subscriber: string;
  title: string;
  attempt: number;
  outcome: "delivered" | "failed" | "failed-last" | "dead-letter" | "skipped";
  events: number;
  detail: string;
};

type Totals = { attempts: number; delivered: number; failed: number; deadLetters: number; skipped: number };
const SUBSCRIBERS = ["email", "sms", "inApp"] as const;

const LABEL = {
  delivered: "✓ delivered",
  failed: "↻ failed, will retry",
  "failed-last": "✗ failed, last attempt",
  "dead-letter": "✗ dead letter",
  skipped: "⊘ skipped",
} as const;

/** Every subscriber's delivery attempts as they happen (polled once a second). */
export function DeliveriesPanel() {
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [totals, setTotals] = useState<Record<string, Totals>>({});
  const [streams, setStreams] = useState<Record<string, number>>({});

  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const body = (await (await fetch("/api/deliveries")).json()) as {
          totals: Record<string, Totals>;
          deliveries: Delivery[];
          openStreams: Record<string, number>;
        };
        if (stopped) return;
        setTotals(body.totals);
        setStreams(body.openStreams);
        setDeliveries(body.deliveries);
      } catch {
        // the server restarted; try again on the next tick
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <section className="card wide">
      <h2>Deliveries</h2>
      <div className="stats">
        {SUBSCRIBERS.map((subscriber) => {
          const t = totals[subscriber] ?? {
            attempts: 0,
            delivered: 0,
            failed: 0,
            deadLetters: 0,
            skipped: 0,
          };
          return (
            <div key={subscriber} className="stat" data-testid={`totals-${subscriber}`}>
              <strong>{subscriber}</strong>
              <span>{t.delivered} delivered</span>
              <span>{t.attempts} attempts</span>
              <span className={t.failed ? "bad" : ""}>{t.failed} failed</span>
              <span className={t.deadLetters ? "bad" : ""}>{t.deadLetters} dead</span>
              <span>{t.skipped} skipped</span>
            </div>
          );
        })}
      </div>
      <p className="muted" data-testid="open-streams">
        Feed streams open on the server:{" "}
        {Object.entries(streams)
          .map(([user, count]) => `${user} ${count}`)
          .join(", ") || "none"}
      </p>
      <div className="scroll">
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th>Time</th>
              <th>Subscriber</th>
              <th>Event</th>
              <th>Events</th>
              <th>Attempt</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  Nothing delivered yet.
                </td>
              </tr>
            )}
            {deliveries.map((d) => (
              <tr key={d.id} className={d.outcome} data-testid="delivery">
                <td>{new Date(d.at).toLocaleTimeString()}</td>
                <td>{d.subscriber}</td>
                <td>{d.title}</td>
                <td data-testid="delivery-events">{d.events}</td>
                <td>{d.outcome === "skipped" ? "–" : d.attempt}</td>
                <td title={d.detail}>
                  {LABEL[d.outcome]} <span className="muted">{d.detail}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
