/** The `@opentelemetry/api` module, when the app has it installed. */
export type OpenTelemetryApi = typeof import("@opentelemetry/api");

/** Imports a module by name; replaced in tests. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

// A name in a variable, not a literal: bundlers must not try to resolve (and fail on, or bundle)
// an optional peer dependency. Node resolves it at run time from the app's node_modules.
const SPECIFIER = "@opentelemetry/api";
const importModule: ModuleImporter = (specifier) =>
  import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);

let loading: Promise<OpenTelemetryApi | undefined> | undefined;

/**
 * `@opentelemetry/api` if the app has it, imported once and cached; `undefined` when it is not
 * installed or cannot load on this runtime. Never throws: tracing is optional, dispatch is not.
 */
export function loadOpenTelemetry(): Promise<OpenTelemetryApi | undefined> {
  loading ??= importOpenTelemetry(importModule);
  return loading;
}

/** {@link loadOpenTelemetry} without the cache, with the importer given. Internal, for tests. */
export async function importOpenTelemetry(load: ModuleImporter): Promise<OpenTelemetryApi | undefined> {
  try {
    const loaded = (await load(SPECIFIER)) as Partial<OpenTelemetryApi> & {
      default?: Partial<OpenTelemetryApi>;
    };
    // CommonJS interop may put the API under `default`.
    const api = typeof loaded?.trace?.getTracer === "function" ? loaded : loaded?.default;
    return typeof api?.trace?.getTracer === "function" && api.context && api.propagation
      ? (api as OpenTelemetryApi)
      : undefined;
  } catch {
    return undefined;
  }
}
