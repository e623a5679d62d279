/**
 * Text that does not follow the wire format: a duration, a retry-delay expression, a callback
 * body. Each side turns it into its own error (core: `INVALID_OPTIONS` / `INVALID_PAYLOAD`; the
 * dev server: a 400), so the wire never decides how a mistake is answered.
 *
 * @example
 * ```ts
 * try { parseDuration("soon", "delay"); } catch (e) { if (e instanceof WireError) e.message; }
 * ```
 */
export class WireError extends Error {
  override readonly name = "WireError";
  /** Where the mistake is: an option or header name, or a field of a body (`sourceBody`). */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}
