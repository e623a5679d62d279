import { packageBuild } from "../../tsup.config.base";

export default packageBuild({
  index: "src/index.ts",
  next: "src/next.ts",
  hono: "src/hono.ts",
  express: "src/express.ts",
  testing: "src/testing.ts",
});
