/** One schema problem with the path to the field. */
export interface FeedIssue {
  path: string;
  message: string;
}

/** Thrown for invalid feed input: a bad item, recipient, option or id. Nothing was stored. */
export class FeedError extends Error {
  override readonly name = "FeedError";

  constructor(
    message: string,
    readonly issues: FeedIssue[] = [],
  ) {
    super(message);
  }
}
