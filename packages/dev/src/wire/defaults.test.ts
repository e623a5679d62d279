import { DEV_DEFAULTS } from "@switchboard/core";
import { expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./defaults";

// The dev server cannot import core at run time (core is only a dev dependency here), so this
// keeps its copy of QStash's local-development user equal to the one SWITCHBOARD_DEV=1 uses.
it("serves the same local-development user that SWITCHBOARD_DEV=1 defaults to", () => {
  expect(DEFAULT_TOKEN).toBe(DEV_DEFAULTS.qstashToken);
  expect(DEFAULT_SIGNING_KEYS).toEqual(DEV_DEFAULTS.signingKeys);
});
