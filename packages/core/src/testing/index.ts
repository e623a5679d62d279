export { type SignInput, signPayload, type VerifySignatureInput, verifySignature } from "@switchboard/wire";
export {
  type CallbackOutcome,
  createSignedRequest,
  type SignedRequestOptions,
} from "./create-signed-request";
export {
  type MockQStashOptions,
  mockQStash,
  type QStashMock,
  type RecordedMessage,
} from "./mock-qstash";
export {
  type RunWorkflowOptions,
  runWorkflow,
  type WorkflowTestRun,
  type WorkflowTestStep,
} from "./run-workflow";
