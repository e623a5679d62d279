/** An HTTP token (RFC 9110): what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** HTTP whitespace `fetch` trims off both ends of a header value. */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What `fetch` refuses inside a value: NUL, CR, LF, and anything past one byte. */
const FORBIDDEN_IN_VALUE = /[\0\r\n\u0100-\uffff]/;

/**
 * The headers of one delivery, kept the way `fetch`'s `Headers` keeps them (names lower-case, a
 * repeated header's values joined with ", ", `Set-Cookie` one per cookie, values trimmed and
 * checked the same way) in a plain map the destination client turns straight into the request
 * line, with no web `Headers` object and its checks and copies per delivery.
 *
 * @example
 * ```ts
 * const headers = new OutgoingHeaders();
 * headers.append("X-Tenant", "a");
 * headers.append("x-tenant", "b");
 * headers.get("X-Tenant"); // "a, b"
 * ```
 */
export class OutgoingHeaders {
  /**
   * `[name, value, name, value, …]`, lower-case names, one entry per name except `set-cookie`: a
   * flat list searched in place, since a delivery has a dozen headers at most (no map per delivery).
   */
  private readonly list: string[] = [];

  /** Replaces every value of `name`. @throws TypeError for a name or value `fetch` would refuse. */
  set(name: string, value: string): void {
    this.setOwn(checkName(name), checkValue(name, value));
  }

  /** Adds a value to `name`. @throws TypeError for a name or value `fetch` would refuse. */
  append(name: string, value: string): void {
    const key = checkName(name);
    const checked = checkValue(name, value);
    const at = key === "set-cookie" ? -1 : this.indexOf(key);
    if (at < 0) this.list.push(key, checked);
    else this.list[at + 1] = `${this.list[at + 1]!}, ${checked}`;
  }

  /**
   * Sets a header the server itself makes (a signature, an id, a count): `lowerName` a lower-case
   * token and `value` already valid, so nothing is checked.
   */
  setOwn(lowerName: string, value: string): void {
    this.remove(lowerName);
    this.list.push(lowerName, value);
  }

  has(name: string): boolean {
    return this.indexOf(name.toLowerCase()) >= 0;
  }

  /** The value of `name` by any spelling, repeated values joined with ", "; `null` when absent. */
  get(name: string): string | null {
    const key = name.toLowerCase();
    let found: string | null = null;
    for (let at = 0; at < this.list.length; at += 2)
      if (this.list[at] === key)
        found = found === null ? this.list[at + 1]! : `${found}, ${this.list[at + 1]!}`;
    return found;
  }

  delete(name: string): void {
    this.remove(name.toLowerCase());
  }

  /** Every header as `[name, value]`, lower-case names, one entry per `Set-Cookie` value. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let at = 0; at < this.list.length; at += 2) yield [this.list[at]!, this.list[at + 1]!];
  }

  /** Calls `each` for every header as the iterator yields them, without the iterator's allocations. */
  forEach(each: (value: string, name: string) => void): void {
    for (let at = 0; at < this.list.length; at += 2) each(this.list[at + 1]!, this.list[at]!);
  }

  private indexOf(lowerName: string): number {
    for (let at = 0; at < this.list.length; at += 2) if (this.list[at] === lowerName) return at;
    return -1;
  }

  private remove(lowerName: string): void {
    for (let at = this.list.length - 2; at >= 0; at -= 2)
      if (this.list[at] === lowerName) this.list.splice(at, 2);
  }
}

/**
 * Names already checked, as given → lower-case: most deliveries repeat a handful of names. Bounded
 * (count and length), so names a client makes up cannot grow it.
 */
const CHECKED_NAMES = new Map<string, string>();

function checkName(name: string): string {
  const known = CHECKED_NAMES.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
  const lower = name.toLowerCase();
  if (CHECKED_NAMES.size < 1024 && name.length <= 64) CHECKED_NAMES.set(name, lower);
  return lower;
}

function checkValue(name: string, value: string): string {
  const trimmed =
    isWhitespace(value.charCodeAt(0)) || isWhitespace(value.charCodeAt(value.length - 1))
      ? value.replace(EDGE_WHITESPACE, "")
      : value;
  if (FORBIDDEN_IN_VALUE.test(trimmed)) throw new TypeError(`Invalid header value for "${name}"`);
  return trimmed;
}

/** Tab, LF, CR or space (`NaN`, past either end, is not). */
function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
