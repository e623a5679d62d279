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
  type FixtureCall,
  PUBLIC_URL,
  SIGNING_KEYS,
} from "./contract-fixture";
export { type ListeningServer, listen } from "./listen";
