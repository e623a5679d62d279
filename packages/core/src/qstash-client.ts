import { Client } from "@upstash/qstash";
import { type EnvRecord, readEnv } from "./env";
import type { QStashOption } from "./switchboard-config";
import { SwitchboardError } from "./switchboard-error";

/** The QStash calls Switchboard makes; an `@upstash/qstash` `Client` has all of them. */
export type QStashClient = Pick<Client, "publishJSON" | "batchJSON" | "queue" | "schedules" | "messages">;

const clients = new Map<string, Client>();

/**
 * Resolves the QStash client for a call: the `Client` passed in config, or one built from
 * `{ token, baseUrl }` and `QSTASH_TOKEN` / `QSTASH_URL`, read now rather than at import.
 */
export function resolveQStash(option: QStashOption | undefined, env?: EnvRecord): QStashClient {
  if (option && isClient(option)) return option;
  const token = option?.token ?? readEnv("QSTASH_TOKEN", env);
  if (!token) {
    throw new SwitchboardError(
      "CONFIGURATION",
      "No QStash token: set QSTASH_TOKEN, or pass `qstash: { token }` to createSwitchboard. Locally, run `switchboard dev` and use the token it prints.",
    );
  }
  const baseUrl = option?.baseUrl ?? readEnv("QSTASH_URL", env);
  const key = `${baseUrl ?? ""}\n${token}`;
  let client = clients.get(key);
  if (!client) {
    client = new Client(baseUrl ? { token, baseUrl } : { token });
    clients.set(key, client);
  }
  return client;
}

function isClient(option: QStashOption): option is Client {
  return typeof (option as Client).publishJSON === "function";
}

/** Runs a QStash call, turning its failures into `PUBLISH_FAILED` with the cause kept. */
export async function callQStash<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SwitchboardError("PUBLISH_FAILED", `${what} failed: ${message}`, { cause: error });
  }
}
