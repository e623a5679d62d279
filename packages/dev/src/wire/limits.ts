/**
 * The bounds `switchboard dev` puts on what a publisher may ask for. QStash's own limits depend on
 * the plan (the longest delay is 7 days on the free plan, 1 year pay-as-you-go); the dev server
 * takes the pay-as-you-go ones, so a value accepted here is one QStash can accept, and every time
 * it stores stays a finite number that survives the journal's JSON round trip.
 */

/** The longest `Upstash-Delay` (and callback or schedule delay), and how far ahead `Upstash-Not-Before` may be. */
export const MAX_DELAY_SECONDS = 365 * 86_400;

/** The longest `Upstash-Timeout`: one day, well inside what a Node timer can wait (24.8 days). */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** The longest flow-control `period`: one week, well inside what a Node timer can wait. */
export const MAX_PERIOD_SECONDS = 7 * 86_400;
