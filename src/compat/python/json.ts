/**
 * JSON text byte-for-byte as Python's `json.dumps(value)` writes it with default settings:
 * `ensure_ascii=True` (everything outside printable ASCII becomes `\uXXXX`, UTF-16 code units),
 * separators `", "` and `": "`, keys in insertion order. Peers that received upstream's bytes
 * (server metadata, ZooKeeper records, Jenkins and Gearman payloads) get the same bytes from us.
 */

/** Options of {@link jsonDumps}. */
export interface JsonDumpsOptions {
  /**
   * Object keys whose numeric values are Python floats (`1484159265.0`, never `1484159265`).
   * JavaScript has one number type, so the caller says which values upstream held as floats.
   */
  readonly floatKeys?: ReadonlySet<string>;
}

const NO_KEYS: ReadonlySet<string> = new Set();

/** Serialises `value` like Python's `json.dumps(value)`. `undefined` object members are dropped. */
export function jsonDumps(value: unknown, options: JsonDumpsOptions = {}): string {
  return dump(value, options.floatKeys ?? NO_KEYS);
}

function dump(value: unknown, floatKeys: ReadonlySet<string>): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : floatRepr(value);
  if (Array.isArray(value)) return '[' + value.map((v) => dump(v, floatKeys)).join(', ') + ']';
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const text = floatKeys.has(k) && typeof v === 'number' ? floatRepr(v) : dump(v, floatKeys);
      parts.push(`${jsonString(k)}: ${text}`);
    }
    return '{' + parts.join(', ') + '}';
  }
  throw new TypeError(`Cannot write a ${typeof value} as JSON`);
}

/** A string as `json.dumps` writes it with `ensure_ascii`: only printable ASCII stays literal. */
export function jsonString(s: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters the way Python does;
  // Python additionally escapes DEL and everything above it, one UTF-16 code unit at a time.
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/** A number as Python's `repr(float(n))`: `5.0`, `2.5`, `1e+16`, `1e-05`, `NaN`, `Infinity`. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python switches to exponent form at these bounds and pads the exponent to 2 digits.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
