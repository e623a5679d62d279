export {
  type CredentialsKind,
  type DevServer,
  type DevServerAccess,
  type DevServerOptions,
  startDevServer,
} from "./start-dev-server";
export { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./wire/defaults";
