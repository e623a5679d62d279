import { SwitchboardError } from "./errors/switchboard-error";
import { type AnySchema, type SchemaOutput, validatePayload } from "./schema";

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
 * It runs on every dispatched payload, so a plain JSON value costs one walk that allocates
 * nothing: no closures, no key stack; the path is collected only on the way back from a hazard.
 */
export function findJsonHazard(value: unknown, root = "payload", walk?: JsonWalk): JsonHazard | undefined {
  const base = WALKING.length;
  // A `toJSON` getter could start another walk inside this one: it gets its own flag.
  const outer = exactSoFar;
  exactSoFar = true;
  let found: Found | undefined;
  try {
    found = hazardIn(value, false, true, base);
  } finally {
    WALKING.length = base;
    if (walk) walk.exact = exactSoFar;
    exactSoFar = outer;
  }
  if (!found) return undefined;
  let path = root;
  for (let at = found.keys.length - 1; at >= 0; at--) {
    const key = found.keys[at]!;
    path +=
      typeof key === "number" ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  const issuePath: (string | number)[] = [];
  for (let at = found.keys.length - 1; at >= 0; at--) issuePath.push(found.keys[at]!);
  return { path, issuePath: issuePath.join("."), message: found.describe(path) };
}

/** What {@link findJsonHazard} learnt of a value besides its hazard; the caller's, so a walk allocates nothing. */
export interface JsonWalk {
  /**
   * True when `JSON.parse(JSON.stringify(value))` gives back a value equal to `value`: only
   * plain objects (prototype `Object.prototype`), plain arrays, strings, booleans,
   * `null` and finite numbers other than `-0`, no `toJSON`, no property that is `undefined`.
   * Then checking `value` is checking what JSON delivers, and the round trip can be skipped.
   */
  exact: boolean;
}

/** The walk in progress is still {@link JsonWalk.exact}. */
let exactSoFar = true;

/** A hazard found by {@link hazardIn}: its keys innermost first, and how to say what it is. */
interface Found {
  keys: (string | number)[];
  describe: (path: string) => string;
}

const found = (describe: (path: string) => string): Found => ({ keys: [], describe });

/**
 * The objects being walked, from the root down, for cycles: one array for every walk, so a walk
 * allocates none. A walk uses the part above its `base` (a `toJSON` getter could start another
 * walk inside this one) and cuts it back when done, whatever happened.
 */
const WALKING: object[] = [];

/** {@link findJsonHazard}'s walk; `WALKING` from `base` holds the objects above `current`. */
function hazardIn(current: unknown, inArray: boolean, isRoot: boolean, base: number): Found | undefined {
  switch (typeof current) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      if (!Number.isFinite(current)) return valueHazard(current, inArray);
      if (current === 0 && 1 / current < 0) exactSoFar = false; // -0 arrives as 0
      return undefined;
    case "undefined":
      if (inArray || isRoot) return valueHazard(current, inArray);
      exactSoFar = false; // the property is dropped
      return undefined;
    case "bigint":
    case "function":
    case "symbol":
      return valueHazard(current, inArray);
    case "object":
      break;
    default:
      return undefined;
  }
  if (current === null) return undefined;
  const object = current as Record<string, unknown>;
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) {
      exactSoFar = false; // arrives as a plain array
      const kindHazard = objectKindHazard(object);
      if (kindHazard !== null) return kindHazard;
    }
    if (typeof object.toJSON === "function") {
      exactSoFar = false;
      return undefined;
    }
    if (WALKING.indexOf(object, base) >= 0) return cycle();
    WALKING.push(object);
    for (let index = 0; index < object.length; index++) {
      const inner = hazardIn(object[index], true, false, base);
      if (inner) {
        inner.keys.push(index);
        return inner;
      }
    }
    WALKING.pop();
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  // A plain object (the common case) is none of the kinds below: only `toJSON` is checked.
  if (proto !== Object.prototype) {
    exactSoFar = false; // arrives as a plain object: without its class, or its null prototype
    if (proto !== null) {
      const kindHazard = objectKindHazard(object);
      if (kindHazard !== null) return kindHazard;
    }
  }
  if (typeof object.toJSON === "function") {
    exactSoFar = false;
    return undefined;
  }
  if (WALKING.indexOf(object, base) >= 0) return cycle();
  WALKING.push(object);
  for (const key of Object.keys(object)) {
    const inner = hazardIn(object[key], false, false, base);
    if (inner) {
      inner.keys.push(key);
      return inner;
    }
  }
  WALKING.pop();
  return undefined;
}

/**
 * The hazard of a value that is not an object: apart from the walk, whose every call would
 * otherwise allocate the scope these messages close over, hazard or not.
 */
function valueHazard(value: unknown, inArray: boolean): Found {
  switch (typeof value) {
    case "number":
      return found((path) => `${path} is ${value}: JSON turns it into null`);
    case "bigint":
      return found(
        (path) =>
          `${path} is a BigInt: JSON.stringify throws on it; send it as a string (String(n)) and use z.coerce.bigint()`,
      );
    case "undefined":
      return found(
        (path) =>
          `${path} is undefined: JSON ${inArray ? "turns it into null" : "has no undefined"}; use null`,
      );
    default:
      return found(
        (path) => `${path} is a ${typeof value}: JSON ${inArray ? "turns it into null" : "drops it"}`,
      );
  }
}

/**
 * For an object that is neither a plain object nor an array: its hazard, `undefined` when it
 * has a `toJSON` (taken as it says), `null` when it is walked like a plain object.
 */
function objectKindHazard(object: object): Found | undefined | null {
  if (object instanceof Date) return found((path) => `${path} is a Date: ${DATE_HINT}`);
  if (object instanceof Map || object instanceof Set) {
    const kind = object instanceof Map ? "Map" : "Set";
    const fix = kind === "Map" ? "Object.fromEntries(map)" : "[...set]";
    return found((path) => `${path} is a ${kind}: JSON turns it into {}; send ${fix}`);
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") return undefined;
  if (
    object instanceof RegExp ||
    object instanceof Promise ||
    object instanceof ArrayBuffer ||
    ArrayBuffer.isView(object)
  ) {
    const kind = object.constructor.name;
    return found((path) => `${path} is a ${kind}: JSON does not keep it; send a plain value`);
  }
  return null;
}

function cycle(): Found {
  return found((path) => `${path} refers back to one of its parents: JSON cannot encode a cycle`);
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

/** A payload checked for dispatch: the JSON text sent, and the schema's output. */
export interface PreparedPayload<S extends AnySchema> {
  /** The payload as JSON text; `undefined` for an `undefined` payload. */
  text: string | undefined;
  output: SchemaOutput<S>;
}

/**
 * {@link checkDispatchPayload}, also returning the JSON text it checked (`undefined` for an
 * `undefined` payload), so the message sent is that text and the payload is encoded once.
 */
export async function preparePayload<S extends AnySchema>(
  schema: S,
  payload: unknown,
  owner: string,
): Promise<PreparedPayload<S>> {
  const text = jsonTextOf(payload, owner);
  const output = await validatePayload(schema, text === undefined ? undefined : JSON.parse(text), owner);
  return { text, output };
}

/**
 * The checks of {@link preparePayload}, in the same order, for the many payloads of
 * `dispatchMany`: it returns only the JSON text, and without a promise when the schema validates
 * synchronously (then it throws `INVALID_PAYLOAD` synchronously too), so a payload costs no
 * promise, microtask or result object.
 */
export function checkedPayloadText(
  schema: AnySchema,
  payload: unknown,
  owner: string,
): string | undefined | Promise<string | undefined> {
  const text = jsonTextOf(payload, owner, WALK);
  // A payload JSON gives back unchanged is checked as it is: the same check, without parsing
  // the text again into new objects (the round trip was most of a small payload's cost).
  const delivered = WALK.exact || text === undefined ? payload : JSON.parse(text);
  const output = validatePayload(schema, delivered, owner);
  return output instanceof Promise ? textOnceValid(output, text) : text;
}

/** {@link checkedPayloadText}'s walk report, reused: read right after each walk, synchronously. */
const WALK: JsonWalk = { exact: false };

/** `text` once `validation` resolves (a separate function: no scope allocated per payload). */
async function textOnceValid(validation: Promise<unknown>, text: string | undefined) {
  await validation;
  return text;
}

/** The payload as JSON text, after refusing one that would not survive JSON (`INVALID_PAYLOAD`). */
function jsonTextOf(payload: unknown, owner: string, walk?: JsonWalk): string | undefined {
  const hazard = findJsonHazard(payload, "payload", walk);
  if (hazard) {
    throw new SwitchboardError("INVALID_PAYLOAD", `${owner}: ${hazard.message}. Nothing was published.`, {
      issues: [{ path: hazard.issuePath, message: hazard.message }],
    });
  }
  return payload === undefined ? undefined : JSON.stringify(payload);
}
