import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  { index: "src/index.ts", cli: "src/cli/cli.ts" },
  // The wire format is a private workspace package (the CLI decodes dead letters with it): bundled.
  { noExternal: ["@switchboard/wire"] },
);
