import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  {
    index: "src/index.ts",
    next: "src/adapters/next.ts",
    hono: "src/adapters/hono.ts",
    express: "src/adapters/express.ts",
    node: "src/node/index.ts",
    testing: "src/testing/index.ts",
  },
  {
    // The wire format is a private workspace package: bundled, code and types, so users install
    // @switchboard/core alone and nothing imports @switchboard/wire at run time.
    noExternal: ["@switchboard/wire"],
    tsconfig: "tsconfig.build.json",
  },
);
