export { type SignInput, signPayload, type VerifySignatureInput, verifySignature } from "./signature";
export {
  type CallbackOutcome,
  createSignedRequest,
  type SignedRequestOptions,
} from "./testing/create-signed-request";
export {
  type MockQStashOptions,
  mockQStash,
  type QStashMock,
  type RecordedMessage,
} from "./testing/mock-qstash";
export {
  type RunWorkflowOptions,
  runWorkflow,
  type WorkflowTestRun,
  type WorkflowTestStep,
} from "./testing/run-workflow";
