import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  { index: "src/index.ts", cli: "src/cli/cli.ts" },
  {
    // The wire format is a private workspace package: bundled, code and types, so nothing imports
    // @switchboard/wire at run time (it is never published).
    noExternal: ["@switchboard/wire"],
    tsconfig: "tsconfig.build.json",
  },
);
