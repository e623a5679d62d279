import { SwitchboardError } from "../errors/switchboard-error";

const GENERIC_HELP =
  "Mount the Switchboard route before any middleware that reads the body (a JSON body parser, a validator, a logger that awaits `request.json()`), or apply that middleware only to the routes that need it.";

/**
 * The one `BODY_ALREADY_PARSED` error every adapter answers with: something read the body before
 * the route could check the signature over the raw bytes. `help` says how to fix it in the
 * caller's framework.
 */
export function bodyAlreadyParsed(help: string = GENERIC_HELP, cause?: unknown): SwitchboardError {
  return new SwitchboardError(
    "BODY_ALREADY_PARSED",
    `A body parser read the request body before Switchboard could verify the raw bytes QStash signed. ${help}`,
    cause === undefined ? {} : { cause },
  );
}

const helps = new WeakMap<Request, string>();

/**
 * Marks a `Request` whose body a framework already consumed, with the fix for that framework, so
 * the route answers (and logs) `BODY_ALREADY_PARSED` itself. Used by the Node bridge.
 */
export function markBodyParsed(request: Request, help: string | undefined): Request {
  if (help !== undefined) helps.set(request, help);
  return request;
}

/** The framework-specific fix a bridge attached to `request`, if any. */
export function bodyParsedHelpOf(request: Request): string | undefined {
  return helps.get(request);
}

/** `true` for the `TypeError` a runtime throws when a body was already read or is locked. */
export function isBodyUsedError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /already (been )?(read|used|consumed)|unusable|disturbed|locked|bodyUsed/i.test(error.message)
  );
}
