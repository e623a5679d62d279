import { DEV_DEFAULTS } from "@switchboard/core";
import { expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./defaults";

// Both come from @switchboard/wire's DEV_USER; this guards dev's public names against drifting
// from what SWITCHBOARD_DEV=1 uses if either side stops taking them from there.
it("serves the same local-development user that SWITCHBOARD_DEV=1 defaults to", () => {
  expect(DEFAULT_TOKEN).toBe(DEV_DEFAULTS.qstashToken);
  expect(DEFAULT_SIGNING_KEYS).toEqual(DEV_DEFAULTS.signingKeys);
});
