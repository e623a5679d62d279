export type { SigningKeys } from "@switchboard/wire";
export type {
  DeliveryContext,
  DeliveryFailure,
  FailureHookArgs,
  JobContext,
  SubscriberContext,
  SuccessHookArgs,
} from "./context";
export { createSwitchboard, type Switchboard } from "./create-switchboard";
export type {
  ChannelDeadLetterListOptions,
  DeadLetter,
  DeadLetterFailure,
  DeadLetterFields,
  DeadLetterListOptions,
  DeadLetterPage,
  DeadLetterRef,
  DeadLetters,
} from "./dead-letters/dead-letter";
export type { SwitchboardDeadLetters } from "./dead-letters/switchboard-dead-letters";
export { DEV_DEFAULTS } from "./dev-defaults";
export type {
  BatchContext,
  BatchFailureArgs,
  BatchHandler,
  BatchSuccessArgs,
  DebounceOptions,
  DebounceSubscriber,
  DigestOptions,
  DigestSubscriber,
} from "./digest/batch-types";
export type { EnvRecord } from "./env";
export { NonRetriableError } from "./errors/non-retriable-error";
export { RetryAfterError } from "./errors/retry-after-error";
export {
  ERROR_STATUS,
  type PayloadIssue,
  SwitchboardError,
  type SwitchboardErrorCode,
  type SwitchboardErrorOptions,
} from "./errors/switchboard-error";
export type {
  ChannelPreferences,
  PreferenceCategory,
  PreferenceCategoryInfo,
  PreferenceChanges,
  PreferencesConfig,
  PublishSkipped,
  ResolvedPreferences,
  SkippedSubscriber,
} from "./preferences/preferences-config";
export { skippedSubscribers } from "./preferences/skipped-subscribers";
export type { FetchHandler, RouteDefinitions, Routes } from "./route/route";
export type { AnySchema, SchemaInput, SchemaOutput } from "./schema";
export type {
  Channel,
  ChannelConfig,
  ChannelSuccessArgs,
  PerEventSubscriber,
  PerEventSubscriberName,
  PublishOptions,
  PublishResult,
  SubscriberConfig,
  SubscriberHandler,
  SubscriberResult,
} from "./sending/channel";
export type {
  DispatchManyOptions,
  DispatchOptions,
  DispatchResult,
  FlowControlOptions,
} from "./sending/dispatch-options";
export type { Job, JobConfig, JobDefaults, JobSchedule, ScheduleInput } from "./sending/job";
export type {
  ContextInput,
  QStashOption,
  SwitchboardConfig,
  SwitchboardLogger,
  SwitchboardRedis,
} from "./switchboard-config";
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
