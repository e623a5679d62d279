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
