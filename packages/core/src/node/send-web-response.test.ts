import { createServer, type ServerResponse } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { expect, it } from "vitest";
import { sendWebResponse } from "./send-web-response";

it("drops the connection when the body errors while a write waits for drain (a client that stopped reading)", async () => {
  let body!: ReadableStreamDefaultController<Uint8Array>;
  let pulls = 0;
  let response!: ServerResponse;
  const closed = new Promise<void>((resolve) => {
    const server = createServer((_req, res) => {
      response = res;
      res.once("close", () => {
        server.close();
        resolve();
      });
      const stream = new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            body = controller;
          },
          pull: (controller) => {
            pulls++;
            controller.enqueue(new Uint8Array(64 * 1024));
          },
        },
        { highWaterMark: 0 },
      );
      void sendWebResponse(res, new Response(stream));
    });
    server.listen(0, "127.0.0.1", () => {
      const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      socket.pause(); // reads nothing: the kernel's buffers fill, then the bridge waits for drain
    });
  });
  // Wait until the bridge stopped pulling: it waits for a drain that will not come.
  let stable = 0;
  for (let last = -1; stable < 200; ) {
    await new Promise((resolve) => setImmediate(resolve));
    stable = pulls === last && response?.writableNeedDrain ? stable + 1 : 0;
    last = pulls;
  }
  expect(response.destroyed).toBe(false);
  body.error(new Error("the producer gave up on this client"));
  await closed; // without the fix: no drain, no read, the connection stays open forever
  expect(response.destroyed).toBe(true);
});
