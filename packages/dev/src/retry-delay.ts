import { DevServerError } from "./dev-server-error";

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  pow: Math.pow,
  sqrt: Math.sqrt,
  abs: Math.abs,
  exp: Math.exp,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  min: Math.min,
  max: Math.max,
};

type Token = { kind: "num"; value: number } | { kind: "id"; value: string } | { kind: "op"; value: string };

/**
 * Compiles a QStash `Upstash-Retry-Delay` expression (milliseconds over `retried`, with `pow sqrt
 * abs exp floor ceil round min max`, `+ - * /` and parentheses) into a function. A small
 * recursive-descent parser: user input is never passed to `eval`.
 */
export function compileRetryDelay(expression: string): (retried: number) => number {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];
  const expectOp = (op: string) => {
    const token = take();
    if (token?.kind !== "op" || token.value !== op) fail(expression, `expected "${op}"`);
  };

  type Node = (retried: number) => number;
  const sum = (): Node => {
    let left = product();
    for (let t = peek(); t?.kind === "op" && (t.value === "+" || t.value === "-"); t = peek()) {
      take();
      const right = product();
      const l = left;
      left = t.value === "+" ? (r) => l(r) + right(r) : (r) => l(r) - right(r);
    }
    return left;
  };
  const product = (): Node => {
    let left = unary();
    for (let t = peek(); t?.kind === "op" && (t.value === "*" || t.value === "/"); t = peek()) {
      take();
      const right = unary();
      const l = left;
      left = t.value === "*" ? (r) => l(r) * right(r) : (r) => l(r) / right(r);
    }
    return left;
  };
  const unary = (): Node => {
    const t = peek();
    if (t?.kind === "op" && t.value === "-") {
      take();
      const inner = unary();
      return (r) => -inner(r);
    }
    return atom();
  };
  const atom = (): Node => {
    const t = take();
    if (!t) fail(expression, "unexpected end");
    if (t.kind === "num") return () => t.value;
    if (t.kind === "op" && t.value === "(") {
      const inner = sum();
      expectOp(")");
      return inner;
    }
    if (t.kind === "id" && t.value === "retried") return (r) => r;
    if (t.kind === "id" && FUNCTIONS[t.value]) {
      const fn = FUNCTIONS[t.value]!;
      expectOp("(");
      const args: Node[] = [sum()];
      while (peek()?.kind === "op" && peek()?.value === ",") {
        take();
        args.push(sum());
      }
      expectOp(")");
      return (r) => fn(...args.map((a) => a(r)));
    }
    return fail(expression, `unexpected "${t.value}"`);
  };

  const root = sum();
  if (position !== tokens.length) fail(expression, `unexpected "${tokens[position]?.value}"`);
  return (retried) => {
    const value = root(retried);
    return Number.isFinite(value) ? Math.max(0, value) : 0;
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
  throw new DevServerError(
    400,
    `Upstash-Retry-Delay "${expression}" is invalid (${why}). Use milliseconds over \`retried\`, e.g. "1000 * pow(2, retried)".`,
  );
}
