export {
  type CallbackOutcome,
  createSignedRequest,
  mockQStash,
  type SignedRequestOptions,
  signPayload,
} from "@switchboard/core/testing";
export { type AdapterUnderTest, type RunningAdapter, runAdapterContract } from "./adapter-contract";
export {
  type ContractFixture,
  createContractFixture,
  FIXTURE_MAX_BODY_BYTES,
  type FixtureCall,
  type FixtureLog,
  ODD_MODES,
  PUBLIC_URL,
  SIGNING_KEYS,
} from "./contract-fixture";
export { type ListeningServer, listen } from "./listen";
export { type SocketRequest, type SocketResponse, sendOverSocket } from "./send-over-socket";
