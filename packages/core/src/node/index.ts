// `@switchboard/core/node`: the one bridge between Node's `http` and fetch-style handlers. Every
// Node framework adapter (Express, the Next.js Pages Router) and SSE streams go through it.
export { sendWebResponse } from "./send-web-response";
export { type NodeHandler, toNodeHandler, type WebHandler } from "./to-node-handler";
export { type NodeRequest, type ToWebRequestOptions, toWebRequest } from "./to-web-request";
