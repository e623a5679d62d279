import { DevServerError } from "../dev-server-error";
import type { HeaderLookup } from "./message-options";

/** An API request after routing has read it. */
export interface ApiRequest {
  method: string;
  /** Path segments after `/v2/`, decoded. */
  segments: string[];
  /** The raw path after `/v2/schedules/`, for a schedule's destination (kept exactly). */
  rawRest: string;
  query: URLSearchParams;
  headers: HeaderLookup;
  body: Buffer;
  callerIp: string;
}

/** A JSON answer: status and body (`undefined` → empty body). */
export interface ApiAnswer {
  status: number;
  body?: unknown;
}

/**
 * Parses a JSON request body; an empty body is `{}`. Malformed JSON is a 400.
 *
 * @example
 * ```ts
 * const input = parseJsonBody(Buffer.from('{"queueName":"emails"}')) as { queueName?: unknown };
 * ```
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new DevServerError(400, "the request body is not valid JSON.");
  }
}
