// The one definition of Switchboard's wire format. Private: bundled into each published package
// (tsup `noExternal`), so it must stay free of `node:` imports and run on every runtime core does.

export { fromBase64, fromBase64Url, toBase64, toBase64Url } from "./base64";
export {
  type BodyBytes,
  type CallbackBody,
  type CallbackInput,
  type DecodedCallback,
  decodeCallbackBody,
  encodeCallbackBody,
} from "./callback-body";
export { type CryptoPrimitives, cryptoPrimitives } from "./crypto-primitives";
export {
  type ApiDeadLetter,
  type DeadLetterFailure,
  type DecodedDeadLetter,
  decodeDeadLetter,
  decodeFailure,
  FAILURE_TEXT_LIMIT,
} from "./dead-letter";
export {
  describeTarget,
  destinationUrl,
  type Hook,
  NAME_PATTERN,
  nameOf,
  parseTarget,
  QUERY,
  RESERVED_QUERY_NAMES,
  type RouteTarget,
  withoutHook,
} from "./destination";
export { DEV_USER } from "./dev-user";
export {
  type DurationString,
  formatSeconds,
  type ParseDurationOptions,
  parseDuration,
  parseRetryAfter,
  toSeconds,
} from "./duration";
export { DEFAULT_RETRIES, HEADERS, MAX_WAIT_SECONDS, PUBLISH_HEADERS, readCount } from "./headers";
export { type RedisDriver, toRedisDriver } from "./redis-driver";
export { decodeRedisReply } from "./redis-reply";
export { compileRetryDelay, MAX_RETRY_DELAY_DEPTH, MAX_RETRY_DELAY_LENGTH } from "./retry-delay";
export { scriptSha } from "./script-sha";
export {
  type SignatureClaims,
  type SignatureResult,
  type SignInput,
  type SigningKeys,
  signatureShapeProblem,
  signPayload,
  unverifiedClaims,
  type VerifySignatureInput,
  verifySignature,
} from "./signature";
export { WireError } from "./wire-error";
