export type {
  Channel,
  ChannelConfig,
  PublishOptions,
  PublishResult,
  SubscriberConfig,
  SubscriberHandler,
} from "./channel";
export type {
  DeliveryContext,
  DeliveryFailure,
  FailureHookArgs,
  JobContext,
  SubscriberContext,
  SuccessHookArgs,
} from "./context";
export { createSwitchboard, type Switchboard } from "./create-switchboard";
export { DEV_DEFAULTS } from "./dev-defaults";
export type { DispatchOptions, DispatchResult, FlowControlOptions } from "./dispatch-options";
export type { EnvRecord } from "./env";
export type { FetchHandler, Routes } from "./handler";
export type { Job, JobConfig, JobDefaults, JobSchedule, ScheduleInput } from "./job";
export { NonRetriableError } from "./non-retriable-error";
export { RetryAfterError } from "./retry-after-error";
export type { AnySchema, SchemaInput, SchemaOutput } from "./schema";
export type { SigningKeys } from "./signature";
export type { ContextInput, QStashOption, SwitchboardConfig, SwitchboardLogger } from "./switchboard-config";
export {
  ERROR_STATUS,
  type PayloadIssue,
  SwitchboardError,
  type SwitchboardErrorCode,
  type SwitchboardErrorOptions,
} from "./switchboard-error";
export type {
  NotifyOptions,
  StartOptions,
  WaitForEventOptions,
  WaitForEventResult,
  Workflow,
  WorkflowConfig,
  WorkflowDeliveryOptions,
  WorkflowDuration,
  WorkflowEvents,
  WorkflowFailure,
  WorkflowStep,
} from "./workflow/workflow-types";
