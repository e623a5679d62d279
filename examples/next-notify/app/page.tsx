import { DeliveriesPanel } from "./_components/deliveries-panel";
import { EventForm } from "./_components/event-form";
import { FeedPanel } from "./_components/feed-panel";
import { ProviderSwitches } from "./_components/provider-switches";

export default function Home() {
  return (
    <main>
      <header className="top">
        <h1>
          StaffNotify <span className="muted">· Switchboard demo</span>
        </h1>
        <p className="muted">
          One <code>notify</code> channel fans out to email, SMS and in-app. Each subscriber is delivered and
          retried on its own; the in-app feed streams over Server-Sent Events.
        </p>
      </header>
      <div className="grid">
        <section className="card">
          <h2>Fire an event</h2>
          <EventForm />
          <h3>Providers</h3>
          <ProviderSwitches />
        </section>
        <FeedPanel />
        <DeliveriesPanel />
      </div>
    </main>
  );
}
