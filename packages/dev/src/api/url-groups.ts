import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import type { StoredTopic } from "../store/model";
import { type ApiAnswer, type ApiRequest, parseJsonBody } from "./api-request";
import { checkDestination } from "./message-options";

type Endpoint = StoredTopic["endpoints"][number];

/**
 * URL groups (QStash's "topics"): `POST /v2/topics/{name}/endpoints` `{ endpoints: [{ name?, url }] }`
 * creates the group or adds endpoints, `DELETE` on the same path removes them (by url or name),
 * `GET /v2/topics[/{name}]` and `DELETE /v2/topics/{name}`.
 *
 * @example
 * ```ts
 * const answer = urlGroupsApi(ctx, request, "team", "endpoints");
 * ```
 */
export function urlGroupsApi(
  ctx: DevContext,
  request: ApiRequest,
  name: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method, body } = request;
  if (method === "GET" && !name)
    return { status: 200, body: [...ctx.store.state.topics.values()].map(toApiUrlGroup) };
  if (!name) throw new DevServerError(404, "topics: name the URL group, /v2/topics/{name}.");
  const topic = ctx.store.state.topics.get(name);
  if (action === "endpoints" && (method === "POST" || method === "DELETE")) {
    const input = parseJsonBody(body) as { endpoints?: { name?: unknown; url?: unknown }[] };
    if (!Array.isArray(input.endpoints) || input.endpoints.length === 0) {
      throw new DevServerError(
        400,
        "topics: the body must be { endpoints: [{ name?, url }] } with at least one.",
      );
    }
    const current = topic?.endpoints ?? [];
    const named = input.endpoints.map((e) => ({
      name: typeof e?.name === "string" ? e.name : undefined,
      url: typeof e?.url === "string" ? e.url : undefined,
    }));
    let endpoints: Endpoint[];
    if (method === "POST") {
      const added = named.map((e): Endpoint => ({ name: e.name, url: checkDestination(e.url ?? "") }));
      endpoints = [...current.filter((c) => !added.some((a) => a.url === c.url)), ...added];
    } else {
      if (!topic) throw new DevServerError(404, `URL group "${name}" not found.`);
      endpoints = current.filter(
        (c) => !named.some((e) => (e.url && e.url === c.url) || (e.name && e.name === c.name)),
      );
    }
    const now = Date.now();
    ctx.store.put("topics", name, { name, endpoints, createdAt: topic?.createdAt ?? now, updatedAt: now });
    return { status: 200 };
  }
  if (!topic) throw new DevServerError(404, `URL group "${name}" not found.`);
  if (method === "GET" && !action) return { status: 200, body: toApiUrlGroup(topic) };
  if (method === "DELETE" && !action) {
    ctx.store.delete("topics", name);
    return { status: 200 };
  }
  throw new DevServerError(
    405,
    `topics: ${method} /v2/topics/${name}${action ? `/${action}` : ""} is not supported.`,
  );
}

function toApiUrlGroup(topic: StoredTopic) {
  return {
    name: topic.name,
    endpoints: topic.endpoints.map((e) => (e.name ? { name: e.name, url: e.url } : { url: e.url })),
    createdAt: topic.createdAt,
    updatedAt: topic.updatedAt ?? topic.createdAt,
  };
}
