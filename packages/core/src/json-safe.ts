import { SwitchboardError } from "./errors/switchboard-error";
import { type AnySchema, parsePayload, type SchemaOutput } from "./schema";

/** A value JSON would change or refuse, and where it is. */
export interface JsonHazard {
  /** `payload.createdAt`, `payload.items[2]`, … */
  path: string;
  /** The path relative to the payload, as in schema issues: `createdAt`, `items.2`. */
  issuePath: string;
  message: string;
}

const DATE_HINT =
  "JSON turns it into a string, so z.date() fails at delivery; send .toISOString() and use z.coerce.date() or z.iso.datetime()";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Finds the first value in `value` that would not survive `JSON.stringify` → `JSON.parse` as the
 * handler expects: a `Date`, `Map`, `Set`, `BigInt`, `undefined` in an array, a function or
 * symbol, `NaN`/`Infinity`, a typed array, a cycle. Objects with `toJSON` are taken as they say.
 * It runs on every dispatched payload, so the path is kept as a stack of keys and spelled out only
 * for a hazard: a plain JSON value costs one walk and no strings.
 */
export function findJsonHazard(value: unknown, root = "payload"): JsonHazard | undefined {
  const ancestors: object[] = [];
  const keys: (string | number)[] = [];
  const at = (describe: (path: string) => string): JsonHazard => {
    let path = root;
    for (const key of keys) {
      path +=
        typeof key === "number" ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
    return { path, issuePath: keys.join("."), message: describe(path) };
  };
  const walk = (current: unknown, inArray: boolean): JsonHazard | undefined => {
    switch (typeof current) {
      case "bigint":
        return at(
          (path) =>
            `${path} is a BigInt: JSON.stringify throws on it; send it as a string (String(n)) and use z.coerce.bigint()`,
        );
      case "function":
      case "symbol":
        return at(
          (path) => `${path} is a ${typeof current}: JSON ${inArray ? "turns it into null" : "drops it"}`,
        );
      case "undefined":
        return inArray || keys.length === 0
          ? at(
              (path) =>
                `${path} is undefined: JSON ${inArray ? "turns it into null" : "has no undefined"}; use null`,
            )
          : undefined;
      case "number":
        return Number.isFinite(current)
          ? undefined
          : at((path) => `${path} is ${current}: JSON turns it into null`);
      case "object":
        break;
      default:
        return undefined;
    }
    if (current === null) return undefined;
    if (current instanceof Date) return at((path) => `${path} is a Date: ${DATE_HINT}`);
    if (current instanceof Map || current instanceof Set) {
      const kind = current instanceof Map ? "Map" : "Set";
      const fix = kind === "Map" ? "Object.fromEntries(map)" : "[...set]";
      return at((path) => `${path} is a ${kind}: JSON turns it into {}; send ${fix}`);
    }
    if (typeof (current as { toJSON?: unknown }).toJSON === "function") return undefined;
    if (
      current instanceof RegExp ||
      current instanceof Promise ||
      current instanceof ArrayBuffer ||
      ArrayBuffer.isView(current)
    ) {
      const kind = current.constructor.name;
      return at((path) => `${path} is a ${kind}: JSON does not keep it; send a plain value`);
    }
    if (ancestors.includes(current))
      return at((path) => `${path} refers back to one of its parents: JSON cannot encode a cycle`);
    ancestors.push(current);
    try {
      if (Array.isArray(current)) {
        for (let index = 0; index < current.length; index++) {
          keys.push(index);
          const found = walk(current[index], true);
          keys.pop();
          if (found) return found;
        }
        return undefined;
      }
      for (const key of Object.keys(current)) {
        keys.push(key);
        const found = walk((current as Record<string, unknown>)[key], false);
        keys.pop();
        if (found) return found;
      }
      return undefined;
    } finally {
      ancestors.pop();
    }
  };
  return walk(value, false);
}

/**
 * What dispatch, dispatchMany, schedule and publish check before anything is sent: the payload
 * survives JSON (else `INVALID_PAYLOAD` naming the field), and what the handler will receive —
 * the payload after a JSON round trip — passes the schema, so a payload dispatch accepts is one
 * delivery accepts.
 */
export async function checkDispatchPayload<S extends AnySchema>(
  schema: S,
  payload: unknown,
  owner: string,
): Promise<SchemaOutput<S>> {
  return (await preparePayload(schema, payload, owner)).output;
}

/**
 * {@link checkDispatchPayload}, also returning the JSON text it checked (`undefined` for an
 * `undefined` payload), so the message sent is that text and the payload is encoded once.
 */
export async function preparePayload<S extends AnySchema>(
  schema: S,
  payload: unknown,
  owner: string,
): Promise<{ text: string | undefined; output: SchemaOutput<S> }> {
  const hazard = findJsonHazard(payload);
  if (hazard) {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: ${hazard.message}. Nothing was published.`, {
      issues: [{ path: hazard.issuePath, message: hazard.message }],
    });
  }
  const text = payload === undefined ? undefined : JSON.stringify(payload);
  const output = await parsePayload(schema, text === undefined ? undefined : JSON.parse(text), owner);
  return { text, output };
}
