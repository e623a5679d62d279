import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A path's answer: a Node handler (e.g. `toNodeHandler(sb.handler(...))`). */
export type PathHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** What {@link startRouteServer} returns. */
export interface RouteServer {
  /** `http://127.0.0.1:<port>`, known before any handler is mounted. */
  origin: string;
  /** Mounts (or replaces) the handler for one path. */
  mount(path: string, handler: PathHandler): void;
  close(): Promise<void>;
}

/**
 * Test-only: a plain `node:http` server on 127.0.0.1 and an OS port, routing by path. It listens
 * first so a switchboard can be built with its URL; unknown paths answer 404.
 */
export async function startRouteServer(): Promise<RouteServer> {
  const handlers = new Map<string, PathHandler>();
  const server = createServer((req, res) => {
    const handler = handlers.get(new URL(req.url ?? "/", "http://x").pathname);
    if (!handler) {
      res.writeHead(404).end("no such path");
      return;
    }
    void Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    mount: (path, handler) => void handlers.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
