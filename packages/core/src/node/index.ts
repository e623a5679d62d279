// `@switchboard/core/node`: the one bridge between Node's `http` and fetch-style handlers. Every
// Node framework adapter (Express, the Next.js Pages Router) goes through it; an SSE feed can too
// (`toNodeHandler(feed.handler(…))`), though `feed.streamNode` writes the stream to Node directly.
export { sendWebResponse } from "./send-web-response";
export { type NodeHandler, toNodeHandler, type WebHandler } from "./to-node-handler";
export { type NodeRequest, type ToWebRequestOptions, toWebRequest } from "./to-web-request";
