import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  { index: "src/index.ts", client: "src/client.ts" },
  {
    // The private wire package (RedisDriver) is bundled, code and types, as in core: users install
    // @switchboard/sse alone and nothing imports @switchboard/wire at run time.
    noExternal: ["@switchboard/wire"],
    tsconfig: "tsconfig.build.json",
  },
);
