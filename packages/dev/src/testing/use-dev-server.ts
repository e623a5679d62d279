import { Client } from "@upstash/qstash";
import { afterEach, beforeEach, expect } from "vitest";
import { type DevServer, type DevServerOptions, startDevServer } from "../start-dev-server";
import { startTestSink, type TestSink } from "./test-sink";

/** What {@link useDevServer} gives each test. */
export interface DevFixture {
  dev: DevServer;
  sink: TestSink;
  /** The official `@upstash/qstash` client, pointed at the dev server. */
  client: Client;
  /** Lines the dev server printed. */
  lines: string[];
}

/**
 * Test-only: a fresh dev server, a loopback sink and an official `Client` for every test, all
 * closed afterwards. After each test it asserts that the official `Receiver` accepted every
 * delivery the sink received.
 */
export function useDevServer(options: DevServerOptions = {}): DevFixture {
  const fixture = { lines: [] as string[] } as DevFixture;
  beforeEach(async () => {
    fixture.lines.length = 0;
    fixture.dev = await startDevServer({
      port: 0,
      speed: 1000,
      write: (line) => void fixture.lines.push(line),
      ...options,
    });
    fixture.sink = await startTestSink(fixture.dev.signingKeys);
    fixture.client = new Client({ baseUrl: fixture.dev.url, token: fixture.dev.token, retry: false });
  });
  afterEach(async () => {
    const unverified = fixture.sink.received.filter((d) => !d.verified).map((d) => d.path);
    await fixture.dev.close();
    await fixture.sink.close();
    expect(unverified, "deliveries the official Receiver rejected").toEqual([]);
  });
  return fixture;
}
