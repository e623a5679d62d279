import { packageBuild } from "../../tsup.config.base";

export default packageBuild({ index: "src/index.ts", client: "src/client.ts" });
