import { createSwitchboard, NonRetriableError, type SwitchboardConfig } from "@switchboard/core";
import { createFeed } from "@switchboard/sse";
import { z } from "zod";

/** Everything the example's handlers did, so you (and the test) can see it. */
export const activity: string[] = [];

export const feed = createFeed({ schema: z.object({ title: z.string(), orderId: z.string() }) });

/** Builds the switchboard, its job and its channel. Config comes from env unless given. */
export function createOrders(config: SwitchboardConfig = {}) {
  const sb = createSwitchboard(config);

  const resizeImage = sb.createJob({
    name: "resize-image",
    schema: z.object({ url: z.url(), width: z.number().int().positive() }),
    retries: 2,
    handler: async ({ url, width }, ctx) => {
      if (!url.startsWith("https://")) throw new NonRetriableError("only https images can be fetched");
      activity.push(`resized ${url} to ${width}px (attempt ${ctx.attempt})`);
      return { width };
    },
  });

  const orderPlaced = sb.createChannel({
    name: "order-placed",
    schema: z.object({ orderId: z.string(), userId: z.string(), total: z.number() }),
    subscribers: {
      receipt: async (order) => void activity.push(`receipt for ${order.orderId}`),
      warehouse: { retries: 5, handler: async (order) => void activity.push(`picking ${order.orderId}`) },
      inApp: (order) =>
        feed.push(order.userId, { title: `Order ${order.orderId} confirmed`, orderId: order.orderId }),
    },
  });

  return { sb, resizeImage, orderPlaced };
}
