import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A server listening on 127.0.0.1, as {@link listen} returns it. */
export interface ListeningServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/**
 * Starts a Node server on a free port on 127.0.0.1 only, and closes it (and its idle
 * keep-alive connections) on `close()`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { listen } from "@switchboard/test-utils";
 *
 * const { origin, close } = await listen(createServer((_req, res) => res.end("ok")));
 * ```
 */
export async function listen(server: Server): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
