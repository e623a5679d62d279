import { createOrders } from "./switchboard";

// Dispatches a job and publishes an event through QStash (or `switchboard dev`).
const { resizeImage, orderPlaced } = createOrders();
const job = await resizeImage.dispatch({ url: "https://example.com/cat.png", width: 320 }, { delay: "2s" });
console.log("resize-image:", job.messageId);
const sent = await orderPlaced.publish({ orderId: "o_1001", userId: "ada", total: 42 });
console.log("order-placed:", Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, v?.messageId])));
