import { SwitchboardError } from "../errors/switchboard-error";

/** The parts of `@upstash/workflow` Switchboard uses. */
export type WorkflowSdk = typeof import("@upstash/workflow");

// A variable, not a literal, and marked ignored: bundlers (webpack, Turbopack, esbuild, Vite)
// must not try to resolve an optional peer dependency for apps that never use workflows.
const SDK = "@upstash/workflow";
let loading: Promise<WorkflowSdk> | undefined;

/**
 * Loads `@upstash/workflow` (an optional peer dependency) on first use: apps without workflows
 * never load it. Throws `CONFIGURATION` with the install command when it is not installed.
 */
export function loadWorkflowSdk(): Promise<WorkflowSdk> {
  loading ??= (
    import(
      /* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ SDK
    ) as Promise<WorkflowSdk>
  ).then(
    (sdk) => sdk,
    (error: unknown) => {
      loading = undefined;
      throw new SwitchboardError(
        "CONFIGURATION",
        "Workflows need @upstash/workflow, an optional peer dependency of @switchboard/core that is not installed (or could not be loaded).",
        { cause: error, fix: "npm i @upstash/workflow" },
      );
    },
  );
  return loading;
}
