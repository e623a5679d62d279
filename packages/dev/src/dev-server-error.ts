import { WireError } from "@switchboard/wire";

/** An error the dev server answers with `status` and `{ error: message }`, like QStash. */
export class DevServerError extends Error {
  override readonly name = "DevServerError";

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `read`, answering a `WireError` (a header that does not follow the wire format) with a 400
 * that carries its message; any other error passes through.
 *
 * @example
 * ```ts
 * const seconds = badRequestOnWireError(() => parseDuration(value, "Upstash-Delay"));
 * ```
 */
export function badRequestOnWireError<T>(read: () => T): T {
  try {
    return read();
  } catch (cause) {
    if (cause instanceof WireError) throw new DevServerError(400, cause.message);
    throw cause;
  }
}
