import { HEADERS, MAX_WAIT_SECONDS } from "./headers";
import { WireError } from "./wire-error";

/** The functions QStash documents for `Upstash-Retry-Delay`, with how many arguments each takes. */
const FUNCTIONS = new Map<string, { fn: (...args: number[]) => number; min: number; max: number }>([
  ["pow", { fn: Math.pow, min: 2, max: 2 }],
  ["sqrt", { fn: Math.sqrt, min: 1, max: 1 }],
  ["abs", { fn: Math.abs, min: 1, max: 1 }],
  ["exp", { fn: Math.exp, min: 1, max: 1 }],
  ["floor", { fn: Math.floor, min: 1, max: 1 }],
  ["ceil", { fn: Math.ceil, min: 1, max: 1 }],
  ["round", { fn: Math.round, min: 1, max: 1 }],
  ["min", { fn: Math.min, min: 1, max: Number.POSITIVE_INFINITY }],
  ["max", { fn: Math.max, min: 1, max: Number.POSITIVE_INFINITY }],
]);

/** The longest expression accepted, in characters. QStash's documented examples are under 50. */
export const MAX_RETRY_DELAY_LENGTH = 1000;
/** How deeply parentheses, function calls and unary minus may nest. */
export const MAX_RETRY_DELAY_DEPTH = 32;

type Token = { kind: "num"; value: number } | { kind: "id"; value: string } | { kind: "op"; value: string };
type Node = (retried: number) => number;

/**
 * Compiles a QStash `Upstash-Retry-Delay` expression (milliseconds over `retried`, with `pow sqrt
 * abs exp floor ceil round min max`, `+ - * /` and parentheses) into a function. A small
 * recursive-descent parser: user input is never passed to `eval`, only the documented names are
 * looked up (in a `Map`, so `valueOf` or `__proto__` are unknown names, not inherited methods), and
 * length and nesting are bounded so no input can overflow the stack. The compiled function never
 * throws and always returns a finite delay in ms between 0 and one day (QStash's cap).
 *
 * @throws WireError naming what is wrong, so a bad expression is refused when it is published (the
 * SDK at dispatch, the dev server with a 400), never when a retry is due.
 *
 * @example
 * ```ts
 * const delayMs = compileRetryDelay("1000 * pow(2, retried)");
 * delayMs(3); // 8000
 * ```
 */
export function compileRetryDelay(expression: string): (retried: number) => number {
  if (expression.length > MAX_RETRY_DELAY_LENGTH)
    fail(expression, `longer than ${MAX_RETRY_DELAY_LENGTH} characters`);
  const tokens = tokenize(expression);
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];
  const isOp = (token: Token | undefined, op: string) => token?.kind === "op" && token.value === op;
  const expectOp = (op: string) => {
    if (!isOp(take(), op)) fail(expression, `expected "${op}"`);
  };
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_RETRY_DELAY_DEPTH)
      fail(expression, `nested deeper than ${MAX_RETRY_DELAY_DEPTH} levels`);
    const result = parse();
    depth--;
    return result;
  };

  const sum = (): Node => {
    let left = product();
    for (let t = peek(); isOp(t, "+") || isOp(t, "-"); t = peek()) {
      take();
      const right = product();
      const l = left;
      left = t?.value === "+" ? (r) => l(r) + right(r) : (r) => l(r) - right(r);
    }
    return left;
  };
  const product = (): Node => {
    let left = unary();
    for (let t = peek(); isOp(t, "*") || isOp(t, "/"); t = peek()) {
      take();
      const right = unary();
      const l = left;
      left = t?.value === "*" ? (r) => l(r) * right(r) : (r) => l(r) / right(r);
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp(peek(), "-")) {
      take();
      const inner = nested(unary);
      return (r) => -inner(r);
    }
    return atom();
  };
  const atom = (): Node => {
    const t = take();
    if (!t) return fail(expression, "unexpected end");
    if (t.kind === "num") return () => t.value;
    if (isOp(t, "(")) {
      const inner = nested(sum);
      expectOp(")");
      return inner;
    }
    if (t.kind === "id" && t.value === "retried") return (r) => r;
    const known = t.kind === "id" ? FUNCTIONS.get(t.value) : undefined;
    if (known) {
      expectOp("(");
      const args: Node[] = isOp(peek(), ")") ? [] : [nested(sum)];
      while (isOp(peek(), ",")) {
        take();
        args.push(nested(sum));
      }
      expectOp(")");
      if (args.length < known.min || args.length > known.max) {
        const wanted = known.min === known.max ? `${known.min}` : `at least ${known.min}`;
        fail(
          expression,
          `${t.value}() takes ${wanted} argument${known.min === 1 ? "" : "s"}, got ${args.length}`,
        );
      }
      const { fn } = known;
      return (r) => fn(...args.map((a) => a(r)));
    }
    if (t.kind === "id")
      return fail(
        expression,
        `unknown name "${t.value}" (use retried, pow, sqrt, abs, exp, floor, ceil, round, min, max)`,
      );
    return fail(expression, `unexpected "${t.value}"`);
  };

  const root = sum();
  if (position !== tokens.length) fail(expression, `unexpected "${tokens[position]?.value}"`);
  const capMs = MAX_WAIT_SECONDS * 1000;
  return (retried) => {
    const value = root(retried);
    if (Number.isNaN(value)) return 0;
    return Math.min(capMs, Math.max(0, value));
  };
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]+)|([-+*/(),]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s+$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) fail(expression, `unexpected character "${expression[index]?.trim() || expression[index]}"`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "num", value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: "id", value: match[2] });
    else tokens.push({ kind: "op", value: match[3]! });
  }
  return tokens;
}

function fail(expression: string, why: string): never {
  const shown = expression.length > 80 ? `${expression.slice(0, 80)}…` : expression;
  throw new WireError(
    HEADERS.retryDelay,
    `Upstash-Retry-Delay "${shown}" is invalid (${why}). Use milliseconds over \`retried\`, e.g. "1000 * pow(2, retried)".`,
  );
}
