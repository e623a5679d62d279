import { cookies } from "next/headers";
import { SESSION_COOKIE, userFromCookie } from "@/lib/session";
import { DeliveriesPanel } from "./_components/deliveries-panel";
import { EventForm } from "./_components/event-form";
import { FeedPanel } from "./_components/feed-panel";
import { PreferencesPanel } from "./_components/preferences-panel";
import { ProviderSwitches } from "./_components/provider-switches";
import { UserSwitch } from "./_components/user-switch";

export default async function Home() {
  const user = userFromCookie((await cookies()).get(SESSION_COOKIE)?.value);
  return (
    <main>
      <header className="top">
        <div className="title">
          <h1>
            StaffNotify <span className="muted">· Switchboard demo</span>
          </h1>
          <UserSwitch user={user} />
        </div>
        <p className="muted">
          One <code>notify</code> channel fans out to email, SMS and in-app. Each subscriber is delivered and
          retried on its own; email is a digest (one email per user per window), the in-app feed groups events
          and remembers who did them, and each user chooses per category what reaches them.
        </p>
      </header>
      <div className="grid">
        <section className="card">
          <h2>Fire an event</h2>
          <EventForm />
          <h3>Providers</h3>
          <ProviderSwitches />
          <h3>Your preferences</h3>
          <PreferencesPanel />
        </section>
        <FeedPanel />
        <DeliveriesPanel />
      </div>
    </main>
  );
}
