/**
 * Reads the `args=` value of a `[handler_X]` section. Python evaluates it as an expression;
 * we accept only what handler constructors are given in practice: a tuple of string literals,
 * numbers, `True`/`False`/`None` and dotted names such as `sys.stdout`.
 */

/** One element of an `args` tuple. */
export type PyArg =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'name'; readonly value: string };

/** `args` is not a tuple of simple literals. */
export class PyArgsSyntaxError extends SyntaxError {}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
};

/**
 * Parses `('/var/log/x.log', 'a')`, `(sys.stdout,)` or `()`.
 * @throws PyArgsSyntaxError describing the first thing it cannot read
 */
export function parsePyArgs(text: string): PyArg[] {
  const src = text.trim();
  let pos = 0;
  const skip = (): void => {
    while (pos < src.length && /\s/.test(src[pos] ?? '')) pos++;
  };
  const expect = (ch: string): void => {
    skip();
    if (src[pos] !== ch) throw new PyArgsSyntaxError(`expected "${ch}" at offset ${pos}`);
    pos++;
  };
  const readString = (): string => {
    const prefix = /^[rRuUbB]{0,2}/.exec(src.slice(pos))?.[0] ?? '';
    pos += prefix.length;
    const isRaw = /[rR]/.test(prefix);
    const quote = src[pos];
    pos++;
    let out = '';
    while (pos < src.length && src[pos] !== quote) {
      const ch = src[pos] ?? '';
      if (ch === '\\' && !isRaw) {
        const next = src[pos + 1] ?? '';
        out += ESCAPES[next] ?? `\\${next}`;
        pos += 2;
      } else {
        out += ch;
        pos++;
      }
    }
    if (pos >= src.length) throw new PyArgsSyntaxError('unterminated string literal');
    pos++;
    return out;
  };
  const readItem = (): PyArg => {
    skip();
    const rest = src.slice(pos);
    if (/^[rRuUbB]{0,2}['"]/.test(rest)) return { kind: 'str', value: readString() };
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num !== null) {
      pos += num[0].length;
      return { kind: 'num', value: Number(num[0]) };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
    if (name !== null) {
      pos += name[0].length;
      return { kind: 'name', value: name[0] };
    }
    throw new PyArgsSyntaxError(`cannot read a value at "${rest.slice(0, 20)}"`);
  };

  // Python reads `('x')` as a plain string, not a tuple; nobody means that, so we accept it
  // as a one-element tuple.
  expect('(');
  const items: PyArg[] = [];
  skip();
  if (src[pos] === ')') {
    pos++;
  } else {
    for (;;) {
      items.push(readItem());
      skip();
      if (src[pos] === ',') {
        pos++;
        skip();
        if (src[pos] === ')') {
          pos++;
          break;
        }
        continue;
      }
      expect(')');
      break;
    }
  }
  skip();
  if (pos !== src.length)
    throw new PyArgsSyntaxError(`unexpected text after the tuple: "${src.slice(pos)}"`);
  return items;
}
