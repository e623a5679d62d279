import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Receiver } from "@upstash/qstash";

/** A delivery a {@link TestSink} received. */
export interface ReceivedDelivery {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body bytes as received. */
  raw: Buffer;
  /** `true` when the official `Receiver` accepted the signature for this URL and body. */
  verified: boolean;
  at: number;
}

/** How the sink answers one delivery. */
export type SinkAnswer = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** Answer only once this settles, so a test can hold a delivery open for as long as it needs. */
  until?: Promise<unknown>;
};

/** A loopback HTTP server that records deliveries and verifies each with the official Receiver. Test-only. */
export interface TestSink {
  url: string;
  received: ReceivedDelivery[];
  /** Sets how the sink answers; by default 200. */
  answer(fn: (delivery: ReceivedDelivery) => SinkAnswer): void;
  /** Resolves once `count` deliveries matching `filter` arrived, or rejects after `timeoutMs`. */
  waitFor(
    count: number,
    filter?: (d: ReceivedDelivery) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startTestSink(signingKeys: { current: string; next: string }): Promise<TestSink> {
  const receiver = new Receiver({ currentSigningKey: signingKeys.current, nextSigningKey: signingKeys.next });
  const received: ReceivedDelivery[] = [];
  let answer: (d: ReceivedDelivery) => SinkAnswer = () => ({ status: 200 });
  let url = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString("utf8");
      const signature = String(req.headers["upstash-signature"] ?? "");
      const fullUrl = `${url}${req.url}`;
      // The official Receiver hashes a string body, so it can only check bodies that are UTF-8.
      const verified = Buffer.from(body, "utf8").equals(raw)
        ? await receiver
            .verify({ signature, body, url: fullUrl })
            .then(() => true)
            .catch(() => false)
        : verifyBytes(signature, raw, fullUrl, signingKeys.current);
      const delivery = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        raw,
        verified,
        at: Date.now(),
      };
      received.push(delivery);
      const { status, headers = {}, body: responseBody = "", delayMs = 0, until } = answer(delivery);
      await until;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, headers);
        res.end(responseBody);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    answer(fn) {
      answer = fn;
    },
    async waitFor(count, filter = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const matching = received.filter(filter);
        if (matching.length >= count) return matching;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(
        `expected ${count} deliveries, got ${received.filter(filter).length} within ${timeoutMs}ms`,
      );
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the Receiver checks, over raw bytes: HS256 with the key, `sub`, and the body hash. */
function verifyBytes(jwt: string, raw: Buffer, url: string, key: string): boolean {
  const [header = "", claims = "", mac = ""] = jwt.split(".");
  const expected = createHmac("sha256", key).update(`${header}.${claims}`).digest("base64url");
  if (mac !== expected) return false;
  const payload = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as {
    sub?: string;
    body?: string;
  };
  return payload.sub === url && payload.body === createHash("sha256").update(raw).digest("base64url");
}
