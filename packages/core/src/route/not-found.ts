import { describeTarget, nameOf, type RouteTarget } from "@switchboard/wire";
import type { Definition } from "../definition";
import { SwitchboardError } from "../errors/switchboard-error";

/**
 * The `NOT_FOUND` answer for a target the route does not serve: what it does serve, and how to
 * add what was asked for.
 */
export function notFound(
  target: RouteTarget,
  definitions: ReadonlyMap<string, Definition>,
): SwitchboardError {
  const asked = describeTarget(target);
  const name = nameOf(target);
  const definition = definitions.get(`${target.kind}:${name}`);
  let message: string;
  if (!definition) {
    const list = `${target.kind}s`;
    message = `This route serves no ${asked}: it serves ${servedBy(definitions)}. If "${name}" is yours, add it to serve(sb, { ${list}: [...] }) (or sb.handler({ ${list}: [...] })).`;
  } else if (target.kind === "channel" && !definition.subscribers?.includes(target.subscriber)) {
    message = `This route serves no ${asked}: channel "${name}" has subscribers ${(definition.subscribers ?? []).join(", ")}. Add "${target.subscriber}" to its subscribers in sb.createChannel (messages published before a subscriber was renamed or removed end here).`;
  } else {
    const hook = target.hook === "success" ? "onSuccess" : "onFailure";
    const owner =
      target.kind === "channel"
        ? `channel "${name}" subscriber "${target.subscriber}"`
        : `${target.kind} "${name}"`;
    message = `This route serves no ${asked}: ${owner} has no ${hook}. Add ${hook} to it (messages dispatched while it had one still call it back).`;
  }
  return new SwitchboardError("NOT_FOUND", message);
}

/** `jobs: send-email, resize; channels: notify (email, sms)`. */
export function servedBy(definitions: ReadonlyMap<string, Definition>): string {
  const jobs: string[] = [];
  const channels: string[] = [];
  const workflows: string[] = [];
  for (const definition of definitions.values()) {
    if (definition.kind === "job") jobs.push(definition.name);
    else if (definition.kind === "workflow") workflows.push(definition.name);
    else channels.push(`${definition.name} (${(definition.subscribers ?? []).join(", ")})`);
  }
  const served = `${jobs.length ? `jobs: ${jobs.join(", ")}` : "no jobs"}; ${
    channels.length ? `channels: ${channels.join(", ")}` : "no channels"
  }`;
  return workflows.length ? `${served}; workflows: ${workflows.join(", ")}` : served;
}
