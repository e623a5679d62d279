import type { Client as QStashSdkClient } from "@upstash/qstash";
import type { Client as WorkflowClient } from "@upstash/workflow";
import type { EnvRecord } from "../env";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";
import type { WorkflowSdk } from "./load-workflow-sdk";

/**
 * The switchboard's own QStash client (its token, base URL, dev defaults and retry settings) as
 * the full `@upstash/qstash` `Client` the workflow SDK drives. A hand-made client without the
 * SDK's `http` requester cannot carry workflow calls.
 */
export function qstashForWorkflows(
  runtime: Runtime,
  env: EnvRecord | undefined,
  owner: string,
): QStashSdkClient {
  const client = runtime.qstash(env);
  if (typeof (client as Partial<QStashSdkClient>).http?.request !== "function") {
    throw new SwitchboardError(
      "CONFIGURATION",
      `${owner}: workflows need an @upstash/qstash Client (or { token, baseUrl }) as \`qstash\`; the object passed to createSwitchboard has no \`http\` requester.`,
    );
  }
  return client as QStashSdkClient;
}

/**
 * An `@upstash/workflow` `Client` (trigger, notify, cancel) that sends through the switchboard's
 * QStash client. The SDK builds its own QStash client from a token; it is replaced by ours so
 * every call uses one configuration (the SDK keeps it in the field `client`, checked below).
 */
export function workflowClient(sdk: WorkflowSdk, qstash: QStashSdkClient): WorkflowClient {
  const client = new sdk.Client({ token: "replaced-below", baseUrl: "http://replaced.invalid" });
  if (!Reflect.has(client, "client")) {
    throw new SwitchboardError(
      "CONFIGURATION",
      "This version of @upstash/workflow is not one Switchboard supports (its Client has no `client` field).",
      { fix: "npm i @upstash/workflow@^1.3.3" },
    );
  }
  Reflect.set(client, "client", qstash);
  return client;
}
