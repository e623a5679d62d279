import type { CronRunner } from "./engine/cron-runner";
import type { DeliveryEngine } from "./engine/delivery-engine";
import type { Reporter } from "./engine/reporter";
import type { StateStore } from "./store/state-store";
import type { WorkflowRuns } from "./workflow/workflow-runs";

/** What the API handlers share. */
export interface DevContext {
  store: StateStore;
  engine: DeliveryEngine;
  cron: CronRunner;
  speed: number;
  token: string;
  /** Accept `?qstash_token=` as well as the `Authorization` header (`--allow-query-token`). */
  allowQueryToken: boolean;
  signingKeys: { current: string; next: string };
  /** The terminal log: one line per accepted message and created schedule. */
  reporter: Reporter;
  /** Upstash Workflow runs: their history, waiters and logs. */
  workflows: WorkflowRuns;
}
