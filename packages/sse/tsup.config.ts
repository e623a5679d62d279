import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  { index: "src/index.ts", client: "src/client.ts", react: "src/react/index.ts" },
  {
    // The private wire package (RedisDriver) is bundled, code and types, as in core: users install
    // @switchboard/sse alone and nothing imports @switchboard/wire at run time.
    noExternal: ["@switchboard/wire"],
    // React is the app's own (an optional peer dependency), never bundled.
    external: ["react"],
    tsconfig: "tsconfig.build.json",
  },
);
