import { packageBuild } from "../../tsup.config.base";

export default packageBuild(
  { index: "src/index.ts", client: "src/client.ts", react: "src/react/index.ts" },
  // React is the app's own (an optional peer dependency), never bundled.
  { external: ["react"] },
);
