import { once } from "node:events";
import { startDevServer } from "@switchboard/dev";
import { createApp } from "./app";
import { activity, createOrders } from "./switchboard";

// One command, no account: `switchboard dev` in-process, this server wired to it, then a job
// dispatched and an order published through it. The handlers' activity is printed as it happens.
const port = Number(process.env.PORT ?? 3002);
const dev = await startDevServer({ port: Number(process.env.QSTASH_PORT ?? 8080), quiet: true });
const orders = createOrders({
  url: `http://127.0.0.1:${port}/api/switchboard`,
  qstash: { token: dev.token, baseUrl: dev.url },
  signingKeys: dev.signingKeys,
});
const server = createApp(orders).listen(port, "127.0.0.1");
await once(server, "listening");
console.log(`Express example on http://127.0.0.1:${port}, local QStash on ${dev.url}`);
console.log(`Live feed: curl -N -H "X-User: ada" http://127.0.0.1:${port}/notifications/stream\n`);

let printed = 0;
const printer = setInterval(() => {
  for (; printed < activity.length; printed++) console.log(`  handler: ${activity[printed]}`);
}, 100);

await orders.resizeImage.dispatch({ url: "https://example.com/cat.png", width: 320 }, { delay: "1s" });
await orders.orderPlaced.publish({ orderId: "o_1001", userId: "ada", total: 42 });
console.log("Dispatched resize-image (in 1 s) and published order-placed. Ctrl-C to stop.");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(printer);
    server.close();
    server.closeAllConnections();
    void dev.close().then(() => process.exit(0));
  });
}
