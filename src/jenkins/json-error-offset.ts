/**
 * Where JSON text stops being valid. V8's `JSON.parse` errors no longer always carry a
 * position, so a small validating scanner finds the offset of the first bad character
 * (or the text length when the input ends too early). Only called after a parse failed.
 */

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

class Bad extends Error {
  constructor(readonly offset: number) {
    super('bad');
  }
}

/** Returns the 0-based offset of the first invalid character, or null when `text` is valid JSON. */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && WS.has(text[i] ?? '')) i++;
  };
  const sticky = (re: RegExp): void => {
    re.lastIndex = i;
    if (!re.test(text)) throw new Bad(i);
    i = re.lastIndex;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) throw new Bad(i);
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Bad(i);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Bad(i);
        sticky(STRING);
        ws();
        if (text[i] !== ':') throw new Bad(i);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else throw new Bad(i);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else throw new Bad(i);
      }
    }
    if (c === '"') return sticky(STRING);
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return sticky(NUMBER);
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : null;
  } catch (err) {
    if (err instanceof Bad) return Math.min(err.offset, text.length);
    throw err;
  }
}
